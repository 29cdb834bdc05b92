import { securityHeaders } from '../../platform/http/security-headers.js';

/**
 * The console's policy: its own scripts and styles only (no inline code, no eval), data: images for charts, API calls
 * to this origin only, never framed. The nginx gateway sends the same header (operations/nginx-config.ts).
 */
export const CONSOLE_CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

export const CONSOLE_SECURITY_HEADERS = securityHeaders({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: Object.fromEntries(Object.entries(CONSOLE_CSP_DIRECTIVES).map(([k, v]) => [k, [...v]])),
  },
  // Plain HTTP inside a network is allowed (acgs up); HSTS belongs to whoever terminates TLS.
  strictTransportSecurity: false,
  crossOriginResourcePolicy: { policy: 'same-origin' },
});
