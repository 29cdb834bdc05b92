import { NotFoundError } from '../../../domain/errors.js';
import { errorResponses } from '../../../platform/http/schemas.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import type { ActiveBundle } from '../enforcement/active-bundle.js';
import type { CandidateEngines } from '../enforcement/candidate-engine.js';
import type { Enforcer } from '../enforcement/enforcer.js';
import { SimulateBody, SimulationView } from '../schemas.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';

/** The people who may try requests against the policies: what they learn is what the policies say, nothing logged. */

/** Dry runs: the decision API's own engine and detectors on a request, optionally with a candidate policy set. */
export function registerSimulateRoutes(
  app: ServiceApp,
  enforcer: Enforcer,
  active: ActiveBundle,
  candidates: CandidateEngines,
): void {
  app.post(
    '/api/v1/enforcement/simulate',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['enforcement'],
        summary:
          'Decide a request as the evaluate API would, logging nothing; with `candidate`, against the bundle in force changed by those policies',
        body: SimulateBody,
        response: { 200: SimulationView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { request: evaluation, candidate } = request.body;
      let outcome;
      if (candidate === undefined) outcome = await enforcer.simulate(evaluation);
      else {
        const engine = active.engine;
        if (engine === null) throw new NotFoundError('No bundle is in force to change', 'NO_ACTIVE_BUNDLE');
        outcome = await candidates.with(engine, candidate, (changed) => enforcer.simulate(evaluation, changed));
      }
      return {
        decision: outcome.decision,
        reasons: outcome.reasons,
        findings: outcome.findings,
        obligations: outcome.obligations,
        context: outcome.context,
        bundle_hash: outcome.bundle_hash,
        constitution_hash: outcome.constitution_hash,
        candidate: candidate !== undefined,
        logged: false as const,
      };
    },
  );
}
