-- A tier's delay runs by chain time (block timestamps), as the signers' policy, the timelock and the
-- coordinator's progress judge it: `delay_until` holds chain time from now on. A delay started before
-- this migration was set by the store's clock; it moves to chain time by the offset between the two
-- clocks recorded at the action's creation (created_chain_at - created_at). Actions created without the
-- chain's time keep their value: on a live chain block timestamps follow the wall clock within seconds.
UPDATE actions SET delay_until = delay_until + (created_chain_at - created_at)
  WHERE delay_until IS NOT NULL AND created_chain_at IS NOT NULL;

COMMENT ON COLUMN actions.delay_until IS 'When the tier''s delay ends, by chain time (a block timestamp).';
