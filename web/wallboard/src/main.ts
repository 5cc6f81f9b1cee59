import 'uplot/dist/uPlot.min.css';
import './wallboard.css';
import { html } from 'htm/preact';
import { render } from 'preact';
import { forgetToken, saveToken, takeToken } from './token';
import { App, TokenForm } from './view';

/** A client that gave up (a fatal close) starts the page again after this. */
const RESTART_MS = 15_000;

const root = document.getElementById('app')!;
root.textContent = ''; // the page's "Loading…" placeholder: preact renders beside what is there

/** ws(s)://<this host>/graphql: the gateway that served the page. */
function socketUrl(): string {
  const url = new URL('/graphql', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/** `?groups=1,2` shows those skill groups only. */
function groupIds(): string[] | undefined {
  const list = (new URLSearchParams(location.search).get('groups') ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  return list.length ? list : undefined;
}

function askForToken(message?: string): void {
  render(
    html`<${TokenForm}
      message=${message}
      onToken=${(token: string) => {
        saveToken(token);
        show(token);
      }}
    />`,
    root,
  );
}

function show(token: string): void {
  // A new key makes a new App (and a new connection) for a new token.
  render(
    html`<${App}
      key=${token}
      token=${token}
      url=${socketUrl()}
      groupIds=${groupIds()}
      onRefused=${(message: string) => {
        forgetToken();
        setTimeout(() => askForToken(message));
      }}
      onFailed=${() => setTimeout(() => location.reload(), RESTART_MS)}
    />`,
    root,
  );
}

const token = takeToken();
if (token) show(token);
else askForToken();

// A #token=… link opened in a tab that shows the board already.
window.addEventListener('hashchange', () => {
  if (!new URLSearchParams(location.hash.slice(1)).has('token')) return;
  const next = takeToken();
  if (next) show(next);
});
