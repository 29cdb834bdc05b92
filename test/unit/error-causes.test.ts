import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError, ConflictError, ValidationError } from '../../src/domain/errors.js';
import { publicKeyFingerprint } from '../../src/domain/crypto/openpgp.js';

describe('errors keep what they were translated from', () => {
  it('carries the standard cause, and none when not given', () => {
    const original = new RangeError('deep');
    const translated = new ValidationError('policy does not parse', 'INVALID_POLICY', { cause: original });
    assert.equal(translated.cause, original);
    assert.equal(translated.errorCode, 'INVALID_POLICY');
    assert.equal(new ConflictError('plain').cause, undefined);
    assert.ok(!('cause' in new ConflictError('plain')), 'no cause property when there was none');
    assert.ok(translated instanceof AppError);
  });

  it('a translation site passes the original error on', async () => {
    await assert.rejects(publicKeyFingerprint('not armor'), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.errorCode, 'INVALID_OPENPGP');
      assert.ok(error.cause instanceof Error, 'the OpenPGP library error is kept');
      return true;
    });
  });
});
