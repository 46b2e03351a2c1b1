-- banli on PostgreSQL with least privilege (等保 2.0: 最小权限).
--
-- Two roles:
--   banli_owner  owns the database objects and runs `manage.py migrate` (DDL). Not a superuser.
--   banli_app    what the running application connects as: SELECT/INSERT/UPDATE/DELETE on tables,
--                USAGE on sequences, no DDL, no superuser; on append-only tables (history_event and
--                every other table carrying the append-only trigger) INSERT and SELECT only.
--
-- 1. As a superuser (psql -U postgres), once:
--      CREATE ROLE banli_owner LOGIN PASSWORD '…';
--      CREATE ROLE banli_app   LOGIN PASSWORD '…' NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
--      CREATE DATABASE banli OWNER banli_owner;
--      \c banli
--      REVOKE ALL ON DATABASE banli FROM PUBLIC;
--      GRANT CONNECT, TEMPORARY ON DATABASE banli TO banli_owner;
--      GRANT CONNECT ON DATABASE banli TO banli_app;
--      REVOKE CREATE ON SCHEMA public FROM PUBLIC;
--      ALTER SCHEMA public OWNER TO banli_owner;
-- 2. Migrate as the owner:
--      DATABASE_URL=postgres://banli_owner:…@host/banli .venv/bin/python manage.py migrate
-- 3. As the owner, after EVERY migrate (idempotent), run the section below:
--      psql "postgres://banli_owner:…@host/banli" -f deploy/postgres-least-privilege.sql
-- 4. Run the application with DATABASE_URL=postgres://banli_app:…@host/banli
--
-- Maintenance of the history (demo reset, repairs) needs the owner or a superuser: the trigger lets a
-- change through only for them, and only inside history.maintenance.history_maintenance().

-- BEGIN app grants
GRANT USAGE ON SCHEMA public TO banli_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO banli_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO banli_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO banli_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO banli_app;
-- Append-only tables (those protected by lib/append_only.py): INSERT and SELECT only.
DO $$
DECLARE t regclass;
BEGIN
    FOR t IN SELECT DISTINCT tgrelid::regclass FROM pg_trigger
             WHERE tgfoid = 'banli_append_only_refuse'::regproc LOOP
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %s FROM banli_app', t);
    END LOOP;
END
$$;
-- END app grants
