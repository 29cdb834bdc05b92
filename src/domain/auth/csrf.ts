import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * CSRF tokens bound to a session: nonce + HMAC(secret, sessionId ‖ nonce). Stateless to check, useless for any
 * other session, and invalid everywhere once the secret changes.
 */
export class CsrfTokens {
  constructor(private readonly secret: string) {}

  issue(sessionId: string): string {
    const nonce = randomBytes(16).toString('base64url');
    return `${nonce}.${this.mac(sessionId, nonce)}`;
  }

  verify(sessionId: string, token: string | undefined): boolean {
    if (token === undefined) return false;
    const [nonce, mac, extra] = token.split('.');
    if (nonce === undefined || mac === undefined || extra !== undefined || nonce.length === 0) return false;
    const expected = Buffer.from(this.mac(sessionId, nonce));
    const given = Buffer.from(mac);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private mac(sessionId: string, nonce: string): string {
    return createHmac('sha256', this.secret).update(`${sessionId}.${nonce}`).digest('base64url');
  }
}
