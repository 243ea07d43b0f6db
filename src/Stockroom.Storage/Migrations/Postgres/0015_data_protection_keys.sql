-- The keys ASP.NET Core data protection signs and encrypts the admin cookie and anti-forgery
-- tokens with, shared by every process on this database so that one process honours what
-- another issued. The XML is as the framework writes it: unencrypted unless an XML encryptor
-- is configured, so this database is where the trust boundary lies.
CREATE TABLE data_protection_keys (
    friendly_name TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    xml           TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
