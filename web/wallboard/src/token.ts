/** Where the token is kept: this tab only, gone when it closes. */
const KEY = 'occ-wallboard-token';

/**
 * The token of a `#token=<JWT>` fragment (kept, and removed from the address bar so it is neither
 * bookmarked nor shown), else the one kept from before.
 */
export function takeToken(): string | undefined {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const given = fragment.get('token');
  if (given) {
    saveToken(given);
    fragment.delete('token');
    const rest = fragment.toString();
    history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
    return given;
  }
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}
