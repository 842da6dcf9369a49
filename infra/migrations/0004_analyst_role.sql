-- A read-only role for analysts: SELECT on the news schema, nothing else. Grant it to people's
-- login roles (GRANT nyhetsflyt_analyst TO alice). Safe to run on any database of a cluster:
-- the role is cluster-wide and created only where it is missing.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'nyhetsflyt_analyst') THEN
        BEGIN
            CREATE ROLE nyhetsflyt_analyst NOLOGIN;
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN
                NULL;  -- created at this moment by a migration of another database
            WHEN insufficient_privilege THEN
                -- A managed server may not let the pipeline create roles; ingestion must not
                -- stop for it. An administrator creates the role and runs these GRANTs.
                RAISE WARNING 'nyhetsflyt_analyst not created: % (needs CREATEROLE)', SQLERRM;
                RETURN;
        END;
    END IF;
    GRANT USAGE ON SCHEMA news TO nyhetsflyt_analyst;
    GRANT SELECT ON ALL TABLES IN SCHEMA news TO nyhetsflyt_analyst;
    -- Tables later migrations create (as the same migrating role) are readable too.
    ALTER DEFAULT PRIVILEGES IN SCHEMA news GRANT SELECT ON TABLES TO nyhetsflyt_analyst;
END
$$;
