-- Job output is stored zstd-compressed (WEB-60). `encoding` says how a row's `data` is
-- written: `zstd` for rows from this version on, `raw` for rows written before, which stay
-- readable as they are.
ALTER TABLE job_output ADD COLUMN encoding VARCHAR(8) NOT NULL DEFAULT 'raw'
