/**
 * A page's token: from a `#token=<JWT>` fragment (a link `npm start` prints; a fragment is never
 * sent to a server), kept in the tab's sessionStorage under `key` and removed from the address bar
 * so it is neither bookmarked nor shown; else the one kept from before.
 */
export function takeFragmentToken(key: string): string | undefined {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const given = fragment.get('token');
  if (given) {
    sessionStorage.setItem(key, given);
    fragment.delete('token');
    const rest = fragment.toString();
    history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
    return given;
  }
  return sessionStorage.getItem(key) ?? undefined;
}
