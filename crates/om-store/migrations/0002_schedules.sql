-- Schedules (WEB-70): a cron expression and time zone, an action with parameters and
-- targets, run as its owner; next_run is when it fires next (ms), NULL when it never will.
CREATE TABLE schedule (
  id {pk},
  name VARCHAR(255) NOT NULL,
  cron VARCHAR(255) NOT NULL,
  timezone VARCHAR(64) NOT NULL,
  action_id BIGINT NOT NULL,
  params {text} NOT NULL,
  targets {text} NOT NULL,
  owner_id BIGINT NOT NULL REFERENCES users(id),
  enabled BIGINT NOT NULL,
  next_run BIGINT,
  last_run BIGINT,
  last_job_id BIGINT,
  last_error {text} NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
){opts}
-- step
CREATE INDEX schedule_due ON schedule (enabled, next_run)
