import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../domain/constitution/actor.js';
import { AppError, ValidationError } from '../../domain/errors.js';
import { principalOf } from '../../platform/http/access.js';

export function actorOf(request: FastifyRequest): Actor {
  const principal = principalOf(request);
  return { userId: principal.userId, roles: principal.roles };
}

/** Reads the version an update edits from If-Match ("3", W/"3" or 3) or the body; one of them is required. */
export function expectedVersion(request: FastifyRequest, bodyVersion: number | undefined): number {
  const header = request.headers['if-match'];
  if (typeof header === 'string') {
    const match = /^(?:W\/)?"?(\d+)"?$/.exec(header.trim());
    if (match === null)
      throw new ValidationError('If-Match must carry the principle version, e.g. "3"', 'INVALID_IF_MATCH');
    return Number(match[1]);
  }
  if (bodyVersion !== undefined) return bodyVersion;
  throw new AppError(
    'precondition_required',
    'VERSION_REQUIRED',
    'Send the version you are editing in If-Match or the body field "version"',
  );
}
