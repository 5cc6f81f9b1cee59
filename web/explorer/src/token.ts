/** Where the token is kept: this tab only, gone when it closes. */
const KEY = 'occ-explorer-token';

/**
 * The token of a `#token=<JWT>` fragment (`npm start` prints such a link in sandbox mode; a fragment
 * is never sent to a server), kept and removed from the address bar, else the one kept from before.
 */
export function takeToken(): string | undefined {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const given = fragment.get('token');
  if (given) {
    sessionStorage.setItem(KEY, given);
    fragment.delete('token');
    const rest = fragment.toString();
    history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
    return given;
  }
  return sessionStorage.getItem(KEY) ?? undefined;
}
