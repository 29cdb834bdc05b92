-- OpenPGP signing keys: one active, retired ones kept so old signatures still verify.
CREATE TABLE signing_keys (
  fingerprint text PRIMARY KEY,
  armored_public text NOT NULL,
  armored_private text NOT NULL,
  active boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (active) WHERE active;
