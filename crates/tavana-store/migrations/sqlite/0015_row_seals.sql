-- Each registry row's seal: a MAC of its content under the audit key
-- (KEY_ID:HEX), written by the application, so a row changed outside it is found.
ALTER TABLE households ADD COLUMN mac TEXT;
ALTER TABLE persons ADD COLUMN mac TEXT;
ALTER TABLE disabilities ADD COLUMN mac TEXT;
