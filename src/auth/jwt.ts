import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTHeaderParameters, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { UnauthenticatedError } from '../errors';
import { ROLES, type Principal, type Role } from './principal';

export interface JwtSettings {
  secret?: string;
  jwksUrl?: string;
  /** Longest accepted lifetime (exp − iat, or exp − now without iat); a token without exp is refused. */
  maxLifetimeMs?: number;
  /** Verified tokens remembered until their expiry (least recently used dropped first); 0: none. */
  cacheSize?: number;
  /** How long keys fetched from the JWKS URL are used before it is fetched again (jose's cacheMaxAge, default 10 min). */
  jwksMaxAgeMs?: number;
}

/** A verified token: whom it names, until when, and (JWKS) the key its signature was checked with. */
interface Verified {
  principal: Principal;
  /** The exp claim (seconds): the token is refused from that second on, as jose refuses it. */
  exp: number;
  /** JWKS only: the key object the JWKS gave for the token's header, and that header. */
  key?: object;
  header?: JWTHeaderParameters;
}

/** Longest Authorization header remembered (a valid token is far shorter; anything longer is verified every time). */
const MAX_CACHED_LENGTH = 8192;

/** Verifies client JWTs: HS256 with a shared secret, or RS256/ES256 keys from a JWKS URL. */
export class JwtVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly maxLifetimeS: number;
  /**
   * Verified tokens by Authorization header, in least-recently-used order (a Map keeps insertion
   * order; a hit moves its entry to the end). A client sends the same token with every request, and
   * verifying it (base64url, JSON, HMAC or RSA/ECDSA) cost about 5 % of a small query's CPU. Only
   * successes are kept; a hit is refused from its exp second on (then verified again, which gives
   * the usual "token expired"), and, with a JWKS, only counts while the JWKS still gives the very
   * key object the signature was checked with: a refreshed key set (jose refetches it after
   * `jwksMaxAgeMs`, or on an unknown kid) has new key objects, so every token is verified against
   * the keys as they are now, and one whose key was withdrawn is refused as it would be without the
   * cache. The lifetime limit (AUTH_MAX_TOKEN_LIFETIME) is checked before a token is kept and does
   * not change while it is (exp − iat is fixed; exp − now, without iat, only shrinks).
   */
  private readonly verified = new Map<string, Verified>();
  private readonly cacheSize: number;

  constructor(settings: JwtSettings) {
    this.maxLifetimeS = Math.floor((settings.maxLifetimeMs ?? 24 * 3600_000) / 1000);
    this.cacheSize = Math.max(0, settings.cacheSize ?? 10_000);
    if (settings.secret) {
      this.key = new TextEncoder().encode(settings.secret);
      this.algorithms = ['HS256'];
    } else if (settings.jwksUrl) {
      this.key = createRemoteJWKSet(new URL(settings.jwksUrl), settings.jwksMaxAgeMs ? { cacheMaxAge: settings.jwksMaxAgeMs } : undefined);
      this.algorithms = ['RS256', 'ES256'];
    } else {
      throw new Error('JwtVerifier needs a secret or a JWKS URL');
    }
  }

  /** Accepts `Bearer <jwt>` or a bare JWT; throws UnauthenticatedError with a reason a client can act on. */
  async verify(authorization: unknown): Promise<Principal> {
    if (typeof authorization !== 'string' || authorization.trim() === '') {
      throw new UnauthenticatedError('Missing Authorization: Bearer <token>');
    }
    const hit = this.verified.get(authorization);
    if (hit) {
      if (hit.exp > Math.floor(Date.now() / 1000) && (hit.key === undefined || (await this.currentKey(hit.header!)) === hit.key)) {
        this.verified.delete(authorization);
        this.verified.set(authorization, hit);
        return hit.principal;
      }
      this.verified.delete(authorization); // expired, or its key is no longer the JWKS's: verified (and refused) below
    }
    const token = authorization.replace(/^Bearer\s+/i, '').trim();
    let payload: JWTPayload;
    let header: JWTHeaderParameters | undefined;
    let key: object | undefined;
    try {
      if (this.key instanceof Uint8Array) {
        ({ payload } = await jwtVerify(token, this.key, { algorithms: this.algorithms }));
      } else {
        // jose answers the key it verified with (for the cache's check that the JWKS still gives it).
        ({ payload, protectedHeader: header, key } = await jwtVerify(token, this.key, { algorithms: this.algorithms }));
      }
    } catch (err) {
      const reason = (err as { code?: string }).code === 'ERR_JWT_EXPIRED' ? 'token expired' : 'invalid token';
      throw new UnauthenticatedError(`Bearer token rejected: ${reason}`);
    }
    if (typeof payload.exp !== 'number') throw new UnauthenticatedError('Bearer token rejected: it has no exp (expiry) claim');
    const lifetime = payload.exp - (typeof payload.iat === 'number' ? payload.iat : Math.floor(Date.now() / 1000));
    if (lifetime > this.maxLifetimeS) {
      throw new UnauthenticatedError(
        `Bearer token rejected: its lifetime is over the maximum of ${this.maxLifetimeS} s (AUTH_MAX_TOKEN_LIFETIME)`,
      );
    }
    const principal = toPrincipal(payload);
    if (this.cacheSize > 0 && authorization.length <= MAX_CACHED_LENGTH && (this.key instanceof Uint8Array || key !== undefined)) {
      if (this.verified.size >= this.cacheSize) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(authorization, { principal, exp: payload.exp, key, header });
    }
    return principal;
  }

  /** The key the JWKS gives for a header now (no fetch while its keys are fresh); undefined when it gives none. */
  private async currentKey(header: JWTHeaderParameters): Promise<object | undefined> {
    try {
      return await (this.key as JWTVerifyGetKey)(header, undefined as never);
    } catch {
      return undefined;
    }
  }
}

function toPrincipal(payload: JWTPayload): Principal {
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new UnauthenticatedError('Bearer token rejected: no sub claim');
  const raw = payload.roles;
  const roles = (Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : []).filter((r): r is Role =>
    (ROLES as readonly string[]).includes(r as string),
  );
  if (roles.length === 0) throw new UnauthenticatedError('Bearer token rejected: no known role in the roles claim');
  const agentNumber = payload.agentNumber === undefined ? undefined : String(payload.agentNumber);
  // Shared by every request with the same token (JwtVerifier's cache): nobody may change it.
  Object.freeze(roles);
  return Object.freeze({ sub: payload.sub, roles, agentNumber });
}

/** Mints an HS256 token (npm run token, sandbox start-up, tests). */
export async function mintToken(
  secret: string,
  claims: { sub: string; roles: Role[]; agentNumber?: string },
  expiresIn: string | number = '12h',
): Promise<string> {
  const jwt = new SignJWT({ roles: claims.roles, ...(claims.agentNumber ? { agentNumber: claims.agentNumber } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn);
  return jwt.sign(new TextEncoder().encode(secret));
}
