-- The hash of the block holding an action's execution. With the number alone, a reorg that puts the
-- same transaction back at the same height (possibly with another outcome) looked unchanged.
-- NULL for executions recorded before this migration: those are still checked by block number.
ALTER TABLE actions ADD COLUMN exec_block_hash text CHECK (exec_block_hash ~ '^0x[0-9a-f]{64}$');
