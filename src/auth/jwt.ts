import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { UnauthenticatedError } from '../errors';
import { ROLES, type Principal, type Role } from './principal';

export interface JwtSettings {
  secret?: string;
  jwksUrl?: string;
  /** Longest accepted lifetime (exp − iat, or exp − now without iat); a token without exp is refused. */
  maxLifetimeMs?: number;
}

/** Verifies client JWTs: HS256 with a shared secret, or RS256/ES256 keys from a JWKS URL. */
export class JwtVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly maxLifetimeS: number;

  constructor(settings: JwtSettings) {
    this.maxLifetimeS = Math.floor((settings.maxLifetimeMs ?? 24 * 3600_000) / 1000);
    if (settings.secret) {
      this.key = new TextEncoder().encode(settings.secret);
      this.algorithms = ['HS256'];
    } else if (settings.jwksUrl) {
      this.key = createRemoteJWKSet(new URL(settings.jwksUrl));
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
    const token = authorization.replace(/^Bearer\s+/i, '').trim();
    let payload: JWTPayload;
    try {
      ({ payload } =
        this.key instanceof Uint8Array
          ? await jwtVerify(token, this.key, { algorithms: this.algorithms })
          : await jwtVerify(token, this.key, { algorithms: this.algorithms }));
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
    return toPrincipal(payload);
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
  return { sub: payload.sub, roles, agentNumber };
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
