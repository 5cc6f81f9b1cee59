import { takeFragmentToken } from '../../shared/fragment-token';

/** Where the token is kept: this tab only, gone when it closes. */
const KEY = 'occ-wallboard-token';

/** The token of a `#token=<JWT>` fragment (kept, and removed from the address bar), else the one kept from before. */
export function takeToken(): string | undefined {
  return takeFragmentToken(KEY);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}
