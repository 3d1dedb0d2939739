import { useState } from 'preact/hooks';
import { t, type Lang } from '../i18n';
import { sharePreparedMessage, shareToStory } from '../miniApp';

/** What the client may offer after a golden claim: only what its Telegram version supports. */
export interface ShareOffer {
  /** the bot's prepared inline message (shareMessage, Bot API 8.0) */
  messageId: string | null;
  /** a story with the golden card art (shareToStory, Bot API 7.8); link = deep link to the card */
  story: { mediaUrl: string; link: string | null } | null;
}

export function SharePanel({ lang, offer }: { lang: Lang; offer: ShareOffer }) {
  const [failed, setFailed] = useState(false);
  return (
    <div class="share" data-testid="share-panel">
      <span class="hint">{t(lang, 'shareTitle')}</span>
      <div class="row">
        {offer.messageId && (
          <button type="button" class="btn small" data-testid="share-message" onClick={() => void sharePreparedMessage(offer.messageId!).then((ok) => setFailed(!ok))}>
            {t(lang, 'shareMessage')}
          </button>
        )}
        {offer.story && (
          <button
            type="button"
            class="btn small ghost"
            data-testid="share-story"
            onClick={() => setFailed(!shareToStory(offer.story!.mediaUrl, t(lang, 'shareStoryText'), offer.story!.link ? { url: offer.story!.link, name: t(lang, 'appTitle') } : undefined))}
          >
            {t(lang, 'shareStory')}
          </button>
        )}
      </div>
      {failed && <p class="hint">{t(lang, 'shareFailed')}</p>}
    </div>
  );
}
