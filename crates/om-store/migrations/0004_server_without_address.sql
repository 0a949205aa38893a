-- A server may have no internal address (an inventory host known by its name only, or one
-- reached through the local transport). (zone, ip_internal) stays unique among servers that
-- have one (WEB-31); before, the table constraint also counted the empty address, so a zone
-- could hold only one server without an address.
--
-- SQLite cannot drop a table constraint: the table is rebuilt, with its ids and its
-- AUTOINCREMENT counter, so the id of a deleted server is never given again (job history
-- refers to servers by id).
-- step
-- only: sqlite
CREATE TABLE server_new (
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
  UNIQUE (hostname_key)
)
-- step
-- only: sqlite
INSERT INTO server_new (id, hostname, hostname_key, ip_internal, ip_external, os, app_category_id, zone, status,
  ssh_user, ssh_port, tags, vars, enabled, source, created_at, updated_at)
SELECT id, hostname, hostname_key, ip_internal, ip_external, os, app_category_id, zone, status,
  ssh_user, ssh_port, tags, vars, enabled, source, created_at, updated_at FROM server
-- step
-- only: sqlite
DELETE FROM sqlite_sequence WHERE name = 'server_new'
-- step
-- only: sqlite
INSERT INTO sqlite_sequence (name, seq) SELECT 'server_new', seq FROM sqlite_sequence WHERE name = 'server'
-- step
-- only: sqlite
DROP TABLE server
-- step
-- only: sqlite
ALTER TABLE server_new RENAME TO server
-- step
-- only: sqlite
CREATE INDEX server_app ON server (app_category_id)
-- step
-- only: sqlite
CREATE UNIQUE INDEX server_zone_ip ON server (zone, ip_internal) WHERE ip_internal <> ''
-- step
-- only: postgres
ALTER TABLE server DROP CONSTRAINT server_zone_ip_internal_key
-- step
-- only: postgres
CREATE UNIQUE INDEX server_zone_ip ON server (zone, ip_internal) WHERE ip_internal <> ''
-- step
-- only: mysql
ALTER TABLE server DROP INDEX zone
-- step
-- only: mysql
ALTER TABLE server ADD COLUMN ip_key VARCHAR(64) AS (NULLIF(ip_internal, '')) STORED
-- step
-- only: mysql
CREATE UNIQUE INDEX server_zone_ip ON server (zone, ip_key)
