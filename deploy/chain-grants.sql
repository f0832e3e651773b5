-- What the branches' daemons may do in the shared clientbase database: read and write rows of
-- clientbase's tables, nothing else (no CREATE, no DDL, no other database's objects).
-- Run as the owner role after the schema exists (the first `clientbase watch` with the owner's
-- URL makes it) and again after an upgrade that added a table. See deploy/chain.md.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO clientbase_branch;
GRANT SELECT, INSERT, UPDATE, DELETE ON
    clientbase_meta, offices, contacts, generations, rechecks, passes
    TO clientbase_branch;
GRANT USAGE ON SEQUENCE passes_id_seq TO clientbase_branch;
