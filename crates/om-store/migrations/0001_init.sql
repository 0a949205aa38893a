-- om platform schema, version 1. Statements are separated by `-- step` lines; a step that
-- starts with `-- only: <backend>` runs on that backend alone. `{pk}`, `{text}`, `{blob}` and
-- `{opts}` are replaced per backend (see migrate.rs).
CREATE TABLE fun_category (
  id {pk},
  name VARCHAR(255) NOT NULL,
  description {text} NOT NULL,
  sort_order BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (name)
){opts}
-- step
CREATE TABLE app_category (
  id {pk},
  fun_category_id BIGINT NOT NULL REFERENCES fun_category(id),
  name VARCHAR(255) NOT NULL,
  description {text} NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (fun_category_id, name)
){opts}
-- step
CREATE TABLE server (
  id {pk},
  hostname VARCHAR(253) NOT NULL,
  hostname_key VARCHAR(253) NOT NULL,
  ip_internal VARCHAR(64) NOT NULL,
  ip_external VARCHAR(64) NOT NULL,
  os VARCHAR(255) NOT NULL,
  app_category_id BIGINT NOT NULL REFERENCES app_category(id),
  zone VARCHAR(64) NOT NULL,
  status VARCHAR(32) NOT NULL,
  ssh_user VARCHAR(64) NOT NULL,
  ssh_port BIGINT NOT NULL,
  tags {text} NOT NULL,
  vars {text} NOT NULL,
  enabled BIGINT NOT NULL,
  source VARCHAR(32) NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (hostname_key),
  UNIQUE (zone, ip_internal)
){opts}
-- step
CREATE INDEX server_app ON server (app_category_id)
-- step
CREATE TABLE users (
  id {pk},
  username VARCHAR(255) NOT NULL,
  display_name VARCHAR(255) NOT NULL,
  email VARCHAR(255) NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  disabled BIGINT NOT NULL,
  must_change_password BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  last_login_at BIGINT,
  UNIQUE (username)
){opts}
-- step
CREATE TABLE role_binding (
  id {pk},
  user_id BIGINT NOT NULL REFERENCES users(id),
  role VARCHAR(64) NOT NULL,
  scope_kind VARCHAR(16) NOT NULL,
  scope_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL
){opts}
-- step
CREATE INDEX role_binding_user ON role_binding (user_id)
-- step
CREATE TABLE session (
  id {pk},
  token_hash VARCHAR(64) NOT NULL,
  user_id BIGINT NOT NULL REFERENCES users(id),
  csrf VARCHAR(64) NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  ip VARCHAR(64) NOT NULL,
  user_agent VARCHAR(512) NOT NULL,
  UNIQUE (token_hash)
){opts}
-- step
CREATE TABLE api_token (
  id {pk},
  token_hash VARCHAR(64) NOT NULL,
  name VARCHAR(255) NOT NULL,
  user_id BIGINT NOT NULL REFERENCES users(id),
  scope VARCHAR(16) NOT NULL,
  scope_kind VARCHAR(16) NOT NULL,
  scope_id BIGINT NOT NULL,
  expires_at BIGINT,
  last_used_at BIGINT,
  last_used_ip VARCHAR(64),
  revoked BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (token_hash)
){opts}
-- step
CREATE TABLE action (
  id {pk},
  name VARCHAR(255) NOT NULL,
  grp VARCHAR(32) NOT NULL,
  caption {text} NOT NULL,
  definition {text} NOT NULL,
  version_id BIGINT NOT NULL,
  enabled BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (name)
){opts}
-- step
CREATE TABLE action_version (
  id {pk},
  action_id BIGINT NOT NULL,
  definition {text} NOT NULL,
  sha256 VARCHAR(64) NOT NULL,
  author VARCHAR(255) NOT NULL,
  created_at BIGINT NOT NULL
){opts}
-- step
CREATE INDEX action_version_action ON action_version (action_id)
-- step
CREATE TABLE worker (
  id {pk},
  name VARCHAR(255) NOT NULL,
  zone VARCHAR(64) NOT NULL,
  credential_hash VARCHAR(64) NOT NULL,
  forks BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (credential_hash)
){opts}
-- step
CREATE TABLE worker_enrollment (
  id {pk},
  token_hash VARCHAR(64) NOT NULL,
  zone VARCHAR(64) NOT NULL,
  used BIGINT NOT NULL,
  created_by VARCHAR(255) NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  UNIQUE (token_hash)
){opts}
-- step
CREATE TABLE job (
  id {pk},
  action_id BIGINT NOT NULL,
  action_version_id BIGINT NOT NULL,
  action_name VARCHAR(255) NOT NULL,
  status VARCHAR(32) NOT NULL,
  user_id BIGINT NOT NULL,
  username VARCHAR(255) NOT NULL,
  params {text} NOT NULL,
  target_spec {text} NOT NULL,
  zone VARCHAR(64) NOT NULL,
  worker_id BIGINT,
  lease_until BIGINT,
  cancel_requested BIGINT NOT NULL,
  reason {text} NOT NULL,
  rerun_of BIGINT,
  hosts_total BIGINT NOT NULL,
  n_ok BIGINT NOT NULL,
  n_changed BIGINT NOT NULL,
  n_failed BIGINT NOT NULL,
  n_unreachable BIGINT NOT NULL,
  n_skipped BIGINT NOT NULL,
  n_lost BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  finished_at BIGINT
){opts}
-- step
CREATE INDEX job_status ON job (status, id)
-- step
CREATE INDEX job_user ON job (user_id, id)
-- step
CREATE INDEX job_action ON job (action_id, id)
-- step
CREATE INDEX job_created ON job (created_at)
-- step
CREATE TABLE job_host (
  id {pk},
  job_id BIGINT NOT NULL,
  server_id BIGINT NOT NULL,
  hostname VARCHAR(253) NOT NULL,
  status VARCHAR(32) NOT NULL,
  rc BIGINT,
  started_at BIGINT,
  finished_at BIGINT,
  output_bytes BIGINT NOT NULL,
  truncated BIGINT NOT NULL,
  message {text} NOT NULL
){opts}
-- step
CREATE INDEX job_host_job ON job_host (job_id, hostname)
-- step
CREATE INDEX job_host_server ON job_host (server_id, job_id)
-- step
CREATE TABLE job_event (
  id {pk},
  job_id BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  ts BIGINT NOT NULL,
  host VARCHAR(253) NOT NULL,
  kind VARCHAR(32) NOT NULL,
  data {text} NOT NULL
){opts}
-- step
CREATE INDEX job_event_job ON job_event (job_id, seq)
-- step
CREATE INDEX job_event_ts ON job_event (ts)
-- step
CREATE TABLE job_output (
  id {pk},
  job_id BIGINT NOT NULL,
  host VARCHAR(253) NOT NULL,
  stream VARCHAR(8) NOT NULL,
  data {blob} NOT NULL,
  truncated BIGINT NOT NULL,
  created_at BIGINT NOT NULL
){opts}
-- step
CREATE INDEX job_output_job ON job_output (job_id, host)
-- step
CREATE INDEX job_output_created ON job_output (created_at)
-- step
CREATE TABLE audit_log (
  seq {pk},
  ts BIGINT NOT NULL,
  actor_kind VARCHAR(16) NOT NULL,
  actor_id BIGINT NOT NULL,
  actor_name VARCHAR(255) NOT NULL,
  source_ip VARCHAR(64) NOT NULL,
  user_agent VARCHAR(512) NOT NULL,
  verb VARCHAR(64) NOT NULL,
  object_kind VARCHAR(32) NOT NULL,
  object_id VARCHAR(64) NOT NULL,
  details {text} NOT NULL,
  prev_hash VARCHAR(64) NOT NULL,
  hash VARCHAR(64) NOT NULL
){opts}
-- step
-- only: postgres
CREATE FUNCTION om_audit_log_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql
-- step
-- only: postgres
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION om_audit_log_append_only()
