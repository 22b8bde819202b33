-- The chain's clock when the action was created (the latest block's timestamp, when the caller gave it):
-- a tier's delay is judged by chain time on both ends. NULL for actions created without it.
ALTER TABLE actions ADD COLUMN created_chain_at timestamptz;

-- The timelock operations an action schedules or executes (from the decoder's effects at insert), so an
-- execute of an operation the same Safe already scheduled is judged by what is left to check.
CREATE TABLE action_timelock_operations (
  action_id text NOT NULL REFERENCES actions (id),
  op text NOT NULL CHECK (op IN ('schedule', 'execute')),
  timelock text NOT NULL CHECK (timelock ~ '^0x[0-9a-f]{40}$'),
  operation_id text NOT NULL CHECK (operation_id ~ '^0x[0-9a-f]{64}$'),
  PRIMARY KEY (action_id, op, timelock, operation_id)
);

CREATE INDEX action_timelock_operations_id ON action_timelock_operations (operation_id, op);
