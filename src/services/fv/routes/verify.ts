import { Type } from '@sinclair/typebox';
import type { TSchema } from '@sinclair/typebox';
import { principalOf } from '../../../platform/http/access.js';
import { errorResponses } from '../../../platform/http/schemas.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import { JOB_KINDS, type JobKind, type JobStore } from '../job-store.js';
import type { JobRunner } from '../runner.js';
import type { Verifier } from '../verifier.js';
import {
  BundleJobBody,
  CompareJobBody,
  FairnessJobBody,
  ImpactJobBody,
  PolicyJobBody,
  PropertyJobBody,
  WaitQuery,
} from '../schemas.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';

const SUMMARIES: Record<JobKind, [TSchema, string]> = {
  policy: [
    PolicyJobBody,
    'One policy added to (or replacing its id in) the active or given bundle: conformance to every principle of the constitution the bundle names, translation validation, and the change impact',
  ],
  bundle: [
    BundleJobBody,
    'The bundle against its constitution: every principle constraint, and translation validation',
  ],
  impact: [
    ImpactJobBody,
    'Change impact of adding/replacing and removing policies: symbolic (a request flipping each way) and empirical (recorded decisions that would flip, by action and principle)',
  ],
  property: [
    PropertyJobBody,
    'A property in Cedar condition syntax: no request matching it is allowed (or, with never=deny, denied)',
  ],
  compare: [
    CompareJobBody,
    'Two policy sets on every request (Cedar symcc’s pairwise questions): does one imply the other, are they equivalent, are they disjoint — on what they match or on what they allow — each violation with a replayed example',
  ],
  fairness: [
    FairnessJobBody,
    'Group fairness of the bundle’s decisions, on labelled requests decided as a dry run or on recorded decisions grouped by a principal attribute: demographic parity difference, disparate impact ratio with the four-fifths rule, equal opportunity difference, each with a bootstrap interval',
  ],
};

/** Verification questions, each a job: 200 with the verdict when it finishes within `wait` seconds, else 202. */
export function registerVerifyRoutes(app: ServiceApp, store: JobStore, runner: JobRunner, verifier: Verifier): void {
  for (const kind of JOB_KINDS) {
    const [body, summary] = SUMMARIES[kind];
    app.post(
      `/api/v1/verify/${kind}`,
      {
        config: { access: AUDIENCES.overseers },
        schema: {
          tags: ['verification'],
          summary,
          body,
          querystring: WaitQuery,
          response: {
            200: Type.Ref('VerificationJob', { description: 'Finished: done with a verdict, or failed' }),
            202: Type.Ref('VerificationJob', { description: 'Queued or running: poll GET /api/v1/verify/jobs/{id}' }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) => {
        const asked = request.body as Record<string, unknown>;
        await verifier.validate(kind, asked);
        const job = await store.create(kind, asked, principalOf(request).userId);
        const waiting = runner.waitFor(job.id, request.query.wait ?? 0);
        runner.kick();
        const finished = await waiting;
        return finished === null ? reply.status(202).send(await store.get(job.id)) : reply.status(200).send(finished);
      },
    );
  }
}
