-- The signer set's limits as the coordinator keeps them (issue 14): the receipts the signers returned
-- (attached to later requests while they are in the velocity window), the latest log head witnessed
-- of each signer, and the alerts raised when a signer's new head does not extend it.
CREATE TABLE signer_receipts (
  key_id text NOT NULL CHECK (key_id ~ '^[0-9a-f]{16}$'),
  safe_tx_hash text NOT NULL CHECK (safe_tx_hash ~ '^0x[0-9a-f]{64}$'),
  kind text NOT NULL CHECK (kind IN ('safe-signature', 'approval-attestation')),
  owner text NOT NULL CHECK (owner ~ '^0x[0-9a-f]{40}$'),
  chain_id numeric(78, 0) NOT NULL,
  safe text NOT NULL CHECK (safe ~ '^0x[0-9a-f]{40}$'),
  nonce numeric(78, 0) NOT NULL,
  signer_time bigint NOT NULL,
  wire text NOT NULL CHECK (wire ~ '^0x[0-9a-f]+$'),
  action_id text REFERENCES actions (id),
  received_at timestamptz NOT NULL,
  PRIMARY KEY (key_id, safe_tx_hash, kind)
);

CREATE INDEX signer_receipts_safe ON signer_receipts (chain_id, safe, signer_time);

CREATE TABLE witnessed_heads (
  owner text PRIMARY KEY CHECK (owner ~ '^0x[0-9a-f]{40}$'),
  size bigint NOT NULL CHECK (size >= 0),
  root text NOT NULL CHECK (root ~ '^0x[0-9a-f]{64}$'),
  head_time text NOT NULL,
  key_id text NOT NULL CHECK (key_id ~ '^[0-9a-f]{16}$'),
  sig text NOT NULL CHECK (sig ~ '^0x[0-9a-f]{128}$'),
  witnessed_at timestamptz NOT NULL
);

CREATE TABLE signer_alerts (
  id bigserial PRIMARY KEY,
  owner text NOT NULL CHECK (owner ~ '^0x[0-9a-f]{40}$'),
  code text NOT NULL,
  message text NOT NULL,
  action_id text REFERENCES actions (id),
  previous_head text,
  next_head text,
  raised_at timestamptz NOT NULL,
  raised_by text NOT NULL
);

CREATE INDEX signer_alerts_action ON signer_alerts (action_id);
