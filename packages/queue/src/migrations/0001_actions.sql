-- The action queue: Safes with their last known on-chain nonce, actions, their signatures and
-- attestations, and the history of every state change.
-- Big numbers (uint256) are numeric(78,0); addresses and hex are text (EIP-55 / lowercase hex).

CREATE TABLE safes (
  chain_id numeric(78, 0) NOT NULL CHECK (chain_id > 0),
  address text NOT NULL CHECK (address ~ '^0x[0-9a-fA-F]{40}$'),
  onchain_nonce numeric(78, 0) NOT NULL DEFAULT 0 CHECK (onchain_nonce >= 0),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (chain_id, address)
);

CREATE TABLE actions (
  id text PRIMARY KEY,
  -- Insertion order, for a stable listing when clocks tie.
  seq bigserial NOT NULL UNIQUE,
  chain_id numeric(78, 0) NOT NULL,
  safe text NOT NULL,
  safe_version text NOT NULL,
  to_address text NOT NULL CHECK (to_address ~ '^0x[0-9a-fA-F]{40}$'),
  value numeric(78, 0) NOT NULL CHECK (value >= 0),
  data text NOT NULL CHECK (data ~ '^0x([0-9a-f]{2})*$'),
  operation smallint NOT NULL CHECK (operation IN (0, 1)),
  safe_tx_gas numeric(78, 0) NOT NULL CHECK (safe_tx_gas >= 0),
  base_gas numeric(78, 0) NOT NULL CHECK (base_gas >= 0),
  gas_price numeric(78, 0) NOT NULL CHECK (gas_price >= 0),
  gas_token text NOT NULL CHECK (gas_token ~ '^0x[0-9a-fA-F]{40}$'),
  refund_receiver text NOT NULL CHECK (refund_receiver ~ '^0x[0-9a-fA-F]{40}$'),
  nonce numeric(78, 0) NOT NULL CHECK (nonce >= 0),
  safe_tx_hash text NOT NULL CHECK (safe_tx_hash ~ '^0x[0-9a-f]{64}$'),
  tier text NOT NULL CHECK (tier IN ('emergency', 'routine', 'critical', 'existential')),
  kind text NOT NULL CHECK (kind IN ('transaction', 'rejection')),
  title text NOT NULL,
  description text NOT NULL,
  state text NOT NULL CHECK (state IN ('draft', 'collecting-attestations', 'delay-running',
    'collecting-signatures', 'ready', 'executed', 'failed', 'cancelled', 'superseded')),
  required_signatures integer NOT NULL CHECK (required_signatures >= 0),
  required_attestations integer NOT NULL CHECK (required_attestations >= 0),
  delay_seconds integer NOT NULL CHECK (delay_seconds >= 0),
  delay_until timestamptz,
  -- Kept in step with action_signatures in the same transaction (the action row is locked).
  signature_count integer NOT NULL DEFAULT 0,
  attestation_count integer NOT NULL DEFAULT 0,
  supersedes text REFERENCES actions (id),
  superseded_by text REFERENCES actions (id),
  timelock_operation_id text CHECK (timelock_operation_id ~ '^0x[0-9a-f]{64}$'),
  timelock_eta timestamptz,
  exec_tx_hash text CHECK (exec_tx_hash ~ '^0x[0-9a-f]{64}$'),
  exec_block numeric(78, 0),
  exec_status text CHECK (exec_status IN ('success', 'reverted')),
  exec_revert_reason text,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  FOREIGN KEY (chain_id, safe) REFERENCES safes (chain_id, address)
);

CREATE INDEX actions_safe_nonce ON actions (chain_id, safe, nonce);
-- One live action per safeTxHash (the same transaction queued twice is a mistake).
CREATE UNIQUE INDEX actions_live_hash ON actions (safe_tx_hash)
  WHERE state NOT IN ('executed', 'cancelled', 'superseded');
-- A nonce executes once.
CREATE UNIQUE INDEX actions_executed_nonce ON actions (chain_id, safe, nonce) WHERE state = 'executed';

CREATE TABLE action_signatures (
  action_id text NOT NULL REFERENCES actions (id),
  seq bigserial NOT NULL,
  signer text NOT NULL CHECK (signer ~ '^0x[0-9a-fA-F]{40}$'),
  kind text NOT NULL CHECK (kind IN ('safe-signature', 'approval-attestation')),
  signature text NOT NULL CHECK (signature ~ '^0x([0-9a-f]{2})+$'),
  added_by text NOT NULL,
  added_at timestamptz NOT NULL,
  -- Idempotent ingestion: one entry per action, signer and kind.
  PRIMARY KEY (action_id, signer, kind)
);

CREATE TABLE action_events (
  id bigserial PRIMARY KEY,
  action_id text NOT NULL REFERENCES actions (id),
  at timestamptz NOT NULL,
  actor text NOT NULL,
  from_state text,
  to_state text NOT NULL,
  reason text NOT NULL
);

CREATE INDEX action_events_action ON action_events (action_id, id);
