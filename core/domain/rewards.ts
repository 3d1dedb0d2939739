/**
 * Season-pass XP per stamp (docs/design.md, Rules and where each lives: 500 XP = 1 stamp). The wallet shows
 * stamps as floor(xp / XP_PER_STAMP); the announcement names XP in stamps when it divides evenly.
 */
export const XP_PER_STAMP = 500;

export const stampsOf = (xp: number) => Math.floor(xp / XP_PER_STAMP);
