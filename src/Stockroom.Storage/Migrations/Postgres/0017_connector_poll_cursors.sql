-- Where each connector's order polling stands: the marketplace's cursor to read on from (stored
-- only once every order of the page it ends has been taken by intake), when it last read, its
-- run of failures with the marketplace's last error, and when it polls next. A process claims a
-- connector's polling with a lease (lease_owner until lease_until), so that one process at a time
-- polls it; a process that dies leaves a lease that simply runs out.
CREATE TABLE connector_poll_cursors (
    channel_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    cursor TEXT NOT NULL,
    last_polled_at TIMESTAMPTZ NULL,
    last_error_status INTEGER NULL,
    last_error_body TEXT NULL,
    failures_in_a_row INTEGER NOT NULL DEFAULT 0,
    next_poll_at TIMESTAMPTZ NOT NULL,
    lease_owner TEXT NULL,
    lease_until TIMESTAMPTZ NULL,
    PRIMARY KEY (channel_id, kind)
);
