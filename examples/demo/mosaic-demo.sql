-- A stand-in for Essex County Council's Mosaic (children's social care case management),
-- with synthetic records only: no real person. `make run` and the server tests load it into
-- a SQLite file that concordatd reads, read-only, for self-service look-ups under the
-- essex-police-mosaic protocol.
-- WAL, as a live system of record read while it is written would be: readers never block
-- its writers, and each look-up takes its read lock without touching the disk.
PRAGMA journal_mode=WAL;
CREATE TABLE cases (
  ref                      TEXT PRIMARY KEY,  -- the Mosaic person reference
  full_name                TEXT NOT NULL,
  address                  TEXT,
  date_of_birth            TEXT,
  contact_number           TEXT,
  case_status              TEXT NOT NULL,     -- open / not open with Children and Families
  allocated_worker         TEXT,
  allocated_worker_contact TEXT,
  manager                  TEXT,
  ethnicity                TEXT,              -- held by Mosaic, not covered by the protocol
  rfs_details              TEXT,
  rfs_outcome              TEXT
);
INSERT INTO cases VALUES
 ('MOS-100001', 'Alex Demo',    '1 Example Row, Chelmsford CM1 1AA',  '2011-03-14', '01245 000001', 'open',     'Sam Worker',   '01245 100001', 'Pat Manager', 'not stated', 'RFS from school, 2024-05', 'allocated to assessment'),
 ('MOS-100002', 'Bailey Sample', '2 Sample Street, Basildon SS14 1AA', '2009-07-02', '01268 000002', 'not open', NULL,           NULL,           NULL,          'not stated', NULL, NULL),
 ('MOS-100003', 'Casey Fiction', '3 Test Lane, Colchester CO1 1AA',    '2013-11-20', '01206 000003', 'open',     'Jo Caseworker', '01206 100003', 'Lee Lead',    'not stated', 'RFS from police, 2024-08', 'no further action'),
 ('MOS-100004', 'Drew Placeholder', '4 Mock Road, Harlow CM20 1AA',    '2010-01-09', NULL,           'open',     'Sam Worker',   '01245 100001', 'Pat Manager', 'not stated', NULL, NULL);
