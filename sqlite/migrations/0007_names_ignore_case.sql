-- 0007_names_ignore_case: application names are unique in their tenant
-- without regard to case (forti-cwp and FORTI-CWP are one application), and
-- so are the names of an application's tokens that are not revoked
-- (Juniper's rule; a revoked token frees its name).
--
-- A database may already hold names that differ only in case. The oldest
-- of each such set (the smallest ID: IDs are UUIDv7, ordered by creation)
-- keeps its name; every later one is renamed, never deleted or revoked: an
-- application to its name cut to 19 characters + '-' + the last 12
-- characters of its ID (still 1-32 letters, digits and '-'), a token to its
-- name + '-' + the same. Each rename is audited as the system's, with the
-- old name, so administrators can find what changed.

INSERT INTO audit_log (tenant_id, time, actor_kind, actor_id, action, object_kind, object_id, client_ip, outcome, detail)
SELECT a.tenant_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000000, 'system', '', 'application.update',
       'application', a.id, '', 'success',
       'name: renamed from ' || a.name || ' by migration 0007 (application names ignore case)'
FROM applications a
WHERE EXISTS (SELECT 1 FROM applications o
              WHERE o.tenant_id = a.tenant_id AND lower(o.name) = lower(a.name) AND o.id < a.id);

UPDATE applications
SET name = substr(name, 1, 19) || '-' || substr(id, 25, 12)
WHERE EXISTS (SELECT 1 FROM applications o
              WHERE o.tenant_id = applications.tenant_id AND lower(o.name) = lower(applications.name)
                AND o.id < applications.id);

INSERT INTO audit_log (tenant_id, time, actor_kind, actor_id, action, object_kind, object_id, client_ip, outcome, detail)
SELECT t.tenant_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000000, 'system', '', 'token.update',
       'token', t.id, '', 'success',
       'name: renamed from ' || t.name || ' by migration 0007 (application token names ignore case)'
FROM tokens t
WHERE t.owner_kind = 'application' AND t.status <> 'revoked'
  AND EXISTS (SELECT 1 FROM tokens o
              WHERE o.tenant_id = t.tenant_id AND o.owner_kind = 'application' AND o.owner_id = t.owner_id
                AND o.status <> 'revoked' AND lower(o.name) = lower(t.name) AND o.id < t.id);

UPDATE tokens
SET name = name || '-' || substr(id, 25, 12)
WHERE owner_kind = 'application' AND status <> 'revoked'
  AND EXISTS (SELECT 1 FROM tokens o
              WHERE o.tenant_id = tokens.tenant_id AND o.owner_kind = 'application' AND o.owner_id = tokens.owner_id
                AND o.status <> 'revoked' AND lower(o.name) = lower(tokens.name) AND o.id < tokens.id);

CREATE UNIQUE INDEX applications_name_ci ON applications (tenant_id, lower(name));
CREATE UNIQUE INDEX tokens_application_name_ci ON tokens (tenant_id, owner_id, lower(name))
	WHERE owner_kind = 'application' AND status <> 'revoked';
