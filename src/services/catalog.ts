import type { ServiceName } from '../platform/config.js';
import type { ServiceDefinition } from '../platform/http/server.js';
import { registerAcService } from './ac/index.js';
import { registerAuthService } from './auth/index.js';
import { registerFvService } from './fv/index.js';
import { registerGsService } from './gs/index.js';
import { registerIntegrityService } from './integrity/index.js';
import { registerPgcService } from './pgc/index.js';
import { constitutionReader } from './ac/constitution-reader.js';
import type { OwnersReaders } from './integrity/ports.js';
import { decisionReader } from './pgc/decision-log/reader.js';

/**
 * The tables other services read, through their owners: ac's constitution versions, pgc's decisions. A service that
 * may not import an owner is handed its reader here, the one place that sees every service.
 */
export const OWNERS_READERS: OwnersReaders = { constitutions: constitutionReader, decisions: decisionReader };

/** The six services, each registered with what it is handed. */
export const SERVICES: Readonly<Record<ServiceName, ServiceDefinition>> = {
  auth: {
    name: 'auth',
    title: 'ACGS-PGP Auth Service',
    description: 'Users, login, JWT and refresh tokens, CSRF, RBAC, agent API keys, rate limits and lockout',
    routes: registerAuthService,
  },
  ac: {
    name: 'ac',
    title: 'ACGS-PGP Constitution Service',
    description: 'Principles, constitution versions and hash, meta-rules, amendments and council votes',
    routes: registerAcService,
  },
  integrity: {
    name: 'integrity',
    title: 'ACGS-PGP Integrity Service',
    description: 'Policy store and lifecycle, OpenPGP signatures, Merkle audit log and proofs, appeals',
    routes: (app, context) => registerIntegrityService(app, context, OWNERS_READERS),
  },
  fv: {
    name: 'fv',
    title: 'ACGS-PGP Formal Verification Service',
    description:
      'Verification of Cedar bundles with Z3: principle conformance, translation validation, properties, change impact (symbolic and on recorded decisions)',
    routes: (app, context) => registerFvService(app, context, OWNERS_READERS),
  },
  gs: {
    name: 'gs',
    title: 'ACGS-PGP Governance Synthesis Service',
    description:
      'Synthesis of Cedar policies from principles: a deterministic compiler, LLM synthesis kept only once verified, and the loop from an enacted amendment to drafts awaiting approval',
    routes: (app, context) => registerGsService(app, context, OWNERS_READERS),
  },
  pgc: {
    name: 'pgc',
    title: 'ACGS-PGP Policy Enforcement Service',
    description: 'Real-time enforcement: detectors and Cedar decisions on AI requests, signed bundles',
    routes: (app, context) => registerPgcService(app, context, OWNERS_READERS),
  },
};
