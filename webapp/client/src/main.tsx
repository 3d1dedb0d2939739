import { render } from 'preact';
import { App, startSession } from './App';
import { OpenFromTelegram } from './components/Chrome';
import { langOf } from './i18n';
import './styles.css';

const root = document.getElementById('app')!;
startSession()
  .then((session) => {
    if (!session) render(<OpenFromTelegram lang={langOf(navigator.language)} />, root);
    else render(<App session={session} />, root);
  })
  .catch(() => render(<OpenFromTelegram lang={langOf(navigator.language)} />, root));
