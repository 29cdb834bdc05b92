import type { Role } from './roles.js';

/** The authenticated caller of a request, however it proved who it is. */
export interface Principal {
  userId: string;
  roles: Role[];
  /** How the credential arrived; cookie-borne credentials need a CSRF token on state-changing requests. */
  via: 'bearer' | 'cookie' | 'api_key';
  /** Session (refresh-token family) behind a JWT; null for API keys. */
  sessionId: string | null;
  /** API key id when via is api_key. */
  apiKeyId: string | null;
  tokenId: string | null;
}
