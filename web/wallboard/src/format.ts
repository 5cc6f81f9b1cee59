import type { Activity } from './queries';

export const ACTIVITY_LABEL: Record<Activity, string> = {
  LOGGED_OUT: 'Logged out',
  LOGGED_IN: 'Logged in',
  IDLE: 'Idle',
  BUSY: 'Busy',
  DIALING: 'Dialling',
  RINGING: 'Ringing',
  TALKING: 'Talking',
  AFTER_CALL: 'After call',
  OTHER: 'Other',
};

const pad = (n: number) => String(n).padStart(2, '0');

/** Seconds as m:ss, or h:mm:ss from an hour on. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** Time since an epoch-ms instant as m:ss (a clock a little ahead of the browser's counts as 0). */
export function since(at: number | undefined, now: number): string {
  return at === undefined ? '–' : clock((now - at) / 1000);
}

/** Seconds as "12 s" below a minute, m:ss above; "–" when unknown. */
export function seconds(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  return v < 60 ? `${Math.round(v)} s` : clock(v);
}

export function percent(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '–' : `${Math.round(v)}%`;
}

export function count(v: number | undefined): string {
  return v === undefined ? '–' : String(v);
}

export function timeOfDay(at: number): string {
  const d = new Date(at);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
