"""Exactly once across processes: the send lock, the journal's claims, the journal's identity.

Every test sends through a real SMTP server on 127.0.0.1 (aiosmtpd in this process, which
records every message it accepts) with real ``outreach campaign run --send`` processes, and
counts what arrived per recipient.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import FakeChannel, make_contact
from smtp_servers import Recorder, aiosmtpd_server, campaign_file, email_settings

from outreach import hookimpl
from outreach.channel import Outcome
from outreach.engine import Engine
from outreach.errors import DeliveryClaimed
from outreach.journal import PENDING, SENDING, SENT, DeliveryKey, Journal, Record
from outreach.pluginhost import get_host
from outreach.workspace import Workspace

PROGRAM = str(Path(sys.executable).with_name("outreach"))
ENV = {k: v for k, v in os.environ.items() if k != "OUTREACH_HOME"}


def _people(add_contacts, count: int) -> None:  # noqa: ANN001
    add_contacts(
        *(make_contact(f"c{i:04d}", f"P{i}", "Q", email=f"p{i}@example.org") for i in range(count))
    )


def _argv(root: Path, campaign: Path, *extra: str) -> list[str]:
    return [PROGRAM, "--home", str(root), "campaign", "run", str(campaign), "--send", *extra]


def _start(argv: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        argv, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _wait_for(condition, timeout: float = 60) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _per_recipient(recorder: Recorder) -> Counter[str]:
    return Counter(message.recipients[0] for message in recorder.received)


def _statuses(root: Path) -> Counter[str]:
    with Workspace.load(root).open_journal() as journal:
        return Counter(d.status for d in journal.deliveries())


@pytest.mark.slow
@pytest.mark.parametrize("runs", [2, 3])
def test_simultaneous_sends_deliver_every_recipient_exactly_once(
    workspace: Workspace,
    add_contacts,
    tmp_path: Path,
    runs: int,  # noqa: ANN001
) -> None:
    count = 300
    _people(add_contacts, count)
    recorder = Recorder(delay=0.03)
    campaign = campaign_file(tmp_path)
    with aiosmtpd_server(recorder) as port:
        email_settings(workspace.root, port=port)
        processes = [_start(_argv(workspace.root, campaign)) for _ in range(runs)]
        outputs = [p.communicate(timeout=240) for p in processes]
    codes = [p.returncode for p in processes]
    assert codes == [0] * runs, outputs
    got = _per_recipient(recorder)
    assert len(got) == count and set(got.values()) == {1}, got.most_common(3)
    assert _statuses(workspace.root) == Counter({SENT: count})
    # The later runs waited for the first, said so, and then found nothing left to send.
    waited = [err for _, err in outputs if "waiting: process" in err]
    assert len(waited) >= 1, outputs
    for out, err in outputs:
        if "waiting: process" in err:
            assert "is sending from this workspace" in err
            assert f"{count} already settled in earlier runs" in out or "email:" in out


@pytest.mark.slow
def test_no_wait_exits_2_at_once_naming_the_running_process(
    workspace: Workspace,
    add_contacts,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    count = 160
    _people(add_contacts, count)
    recorder = Recorder(delay=0.1)  # the first run is still sending when the second starts
    campaign = campaign_file(tmp_path)
    with aiosmtpd_server(recorder) as port:
        email_settings(workspace.root, port=port)
        first = _start(_argv(workspace.root, campaign))
        _wait_for(lambda: len(recorder.received) >= 5)
        started = time.monotonic()
        second = subprocess.run(
            _argv(workspace.root, campaign, "--no-wait"),
            env=ENV,
            capture_output=True,
            text=True,
            timeout=60,
        )
        took = time.monotonic() - started
        sent_then = len(recorder.received)
        out, err = first.communicate(timeout=240)
    assert second.returncode == 2, second
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1, second.stderr
    assert lines[0].startswith("outreach: error: ")
    assert f"held by process {first.pid} " in lines[0] and "send.lock" in lines[0]
    assert second.stdout == ""
    assert sent_then < count and took < 10
    assert first.returncode == 0, err
    got = _per_recipient(recorder)
    assert len(got) == count and set(got.values()) == {1}


@pytest.mark.slow
def test_killing_the_lock_holder_lets_the_waiting_run_go_on_at_once(
    workspace: Workspace,
    add_contacts,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    count = 200
    _people(add_contacts, count)
    recorder = Recorder(delay=0.05)
    campaign = campaign_file(tmp_path)
    waiter_err = tmp_path / "waiter.err"
    with aiosmtpd_server(recorder) as port, waiter_err.open("w") as err_file:
        email_settings(workspace.root, port=port)
        holder = _start(_argv(workspace.root, campaign))
        _wait_for(lambda: len(recorder.received) >= 10)
        waiter = subprocess.Popen(
            _argv(workspace.root, campaign),
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=err_file,
            text=True,
        )
        # The waiter is up and says whom it waits for before it blocks.
        _wait_for(lambda: "waiting:" in waiter_err.read_text())
        assert waiter.poll() is None and holder.poll() is None
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        killed_at = len(recorder.received)
        killed = time.monotonic()
        _wait_for(lambda: len(recorder.received) > killed_at + 5, timeout=30)
        resumed_after = time.monotonic() - killed
        out, _ = waiter.communicate(timeout=240)
    err = waiter_err.read_text()
    assert holder.returncode == -signal.SIGKILL
    assert waiter.returncode in (0, 1), (out, err)
    assert f"waiting: process {holder.pid} " in err
    # No stale lock: the kernel released it with the process (the waiter's start-up is done).
    assert resumed_after < 10, resumed_after
    got = _per_recipient(recorder)
    assert max(got.values()) == 1, "a message was delivered twice"
    statuses = _statuses(workspace.root)
    # What the killed run had in flight is unknown (never resent); everything else arrived.
    assert statuses[SENT] + statuses["unknown"] == count and statuses["unknown"] <= 4
    assert len(got) >= statuses[SENT]


@pytest.mark.slow
def test_two_workspaces_sharing_one_journal_still_send_each_message_once(
    tmp_path: Path,
) -> None:
    """No common lock here (two workspaces), so only the journal's claims keep it exact."""
    count = 300
    shared = tmp_path / "shared-journal.sqlite"
    roots = []
    recorder = Recorder(delay=0.01)
    campaign = campaign_file(tmp_path)
    with aiosmtpd_server(recorder) as port:
        for name in ("one", "two"):
            workspace = Workspace.init(tmp_path / name, name="Alex", email="alex@example.com")
            book = workspace.open_book()
            for i in range(count):
                book.add(make_contact(f"c{i:04d}", f"P{i}", "Q", email=f"p{i}@example.org"))
            book.save()
            config = workspace.config_path
            config.write_text(
                config.read_text(encoding="utf-8") + f'\n[journal]\npath = "{shared}"\n'
            )
            email_settings(workspace.root, port=port)
            roots.append(workspace.root)
        processes = [_start(_argv(root, campaign)) for root in roots]
        outputs = [p.communicate(timeout=240) for p in processes]
    got = _per_recipient(recorder)
    assert max(got.values()) == 1, "a message was delivered twice"
    for process, (out, err) in zip(processes, outputs, strict=True):
        # Either run finished, or it stopped (exit 2, one line) on a delivery the other had.
        assert process.returncode in (0, 2), (out, err)
        if process.returncode == 2:
            assert "by another run; stopped so that nothing is sent twice" in err
            assert len(err.strip().splitlines()) == 1
    with Journal(shared) as journal:
        rows = journal.deliveries()
    assert len(rows) == count
    assert {r.status for r in rows} <= {SENT, "unknown", PENDING}
    for row in rows:
        if row.status == SENT:
            assert got[f"p{int(row.key.contact_uid[1:])}@example.org"] == 1


def test_of_many_claimers_of_one_delivery_exactly_one_wins(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    Journal(path).close()
    key = DeliveryKey("hello", "main", "c1", "email")
    winners: list[int] = []
    losers: list[str] = []
    barrier = threading.Barrier(8)

    def claim(n: int) -> None:
        with Journal(path) as journal:
            barrier.wait()
            try:
                journal.claim([Record(key, SENDING, attempt=True)], {PENDING})
                winners.append(n)
            except DeliveryClaimed as exc:
                losers.append(str(exc))

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1 and len(losers) == 7
    assert all("is already sending by another run" in text for text in losers)
    with Journal(path) as journal:
        delivery = journal.get(key)
    assert delivery is not None and delivery.status == SENDING and delivery.attempts == 1


def test_a_claim_is_all_or_nothing_and_only_from_claimable_statuses(tmp_path: Path) -> None:
    with Journal(tmp_path / "journal.sqlite") as journal:
        free = DeliveryKey("c", "p", "free", "email")
        done = DeliveryKey("c", "p", "done", "email")
        journal.record(done, SENT)
        with pytest.raises(DeliveryClaimed, match="done on email .* is already sent"):
            journal.claim([Record(free, SENDING), Record(done, SENDING)], {PENDING})
        assert journal.get(free) is None  # the whole claim was rolled back
        journal.record(free, PENDING)
        journal.claim([Record(free, SENDING)], {PENDING})
        assert journal.get(free).status == SENDING  # type: ignore[union-attr]
        # Inside a transaction the claim joins it, and a lost claim leaves it usable.
        other = DeliveryKey("c", "p", "other", "email")
        with journal.transaction():
            journal.claim([Record(other, SENDING)], {PENDING})
            with pytest.raises(DeliveryClaimed):
                journal.claim([Record(done, SENDING)], {PENDING})
        assert journal.get(other).status == SENDING  # type: ignore[union-attr]


@pytest.mark.slow
def test_a_run_whose_journal_is_deleted_stops_with_exit_2(
    workspace: Workspace,
    add_contacts,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    count = 300
    _people(add_contacts, count)
    recorder = Recorder(delay=0.01)
    campaign = campaign_file(tmp_path)
    with aiosmtpd_server(recorder) as port:
        email_settings(workspace.root, port=port)
        process = _start(_argv(workspace.root, campaign))
        _wait_for(lambda: len(recorder.received) >= 20)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{workspace.journal_path}{suffix}").unlink(missing_ok=True)
        out, err = process.communicate(timeout=120)
        # Messages in flight when the journal went may still land; then nothing more.
        time.sleep(0.5)
        stopped_at = len(recorder.received)
    assert process.returncode == 2, (out, err)
    lines = err.strip().splitlines()
    assert lines[-1].startswith("outreach: error: ") and len(lines) == 1, err
    assert "the journal was deleted or replaced while this run was using it" in lines[-1]
    assert stopped_at < count / 2
    assert max(_per_recipient(recorder).values()) == 1


class _ClaimRacingChannel(FakeChannel):
    """Delivers as the email channel does: each mark committed in a batch with the previous
    piece's outcome; before the fourth piece, "another run" sends it first."""

    name = "racing"
    description = "a channel racing another run for one piece"

    def deliver(self, items, run) -> None:  # noqa: ANN001
        log = run.out_dir / "racing.jsonl"
        previous = None
        for item in items:
            if item.contact.uid == "c0003":
                with Journal(run.workspace.journal_path) as other:
                    other.record(item.key, SENT, message_id="<other-run>")
            with run.batch():
                if previous is not None:
                    run.finished(previous, Outcome(SENT, message_id="<this-run>"))
                run.sending(item)
            with log.open("a", encoding="utf-8") as handle:
                handle.write(item.contact.uid + "\n")
            previous = item


class _RacingPlugin:
    @hookimpl
    def register_channels(self, register) -> None:  # noqa: ANN001
        register(_ClaimRacingChannel)


def test_a_claim_lost_inside_a_batch_stops_the_run_and_keeps_the_batch_s_outcomes(
    workspace: Workspace,
    add_contacts,  # noqa: ANN001
) -> None:
    _people(add_contacts, 6)
    host = get_host()
    host.register(_RacingPlugin(), name="racing-channel")
    try:
        path = workspace.root / "race" / "campaign.toml"
        path.parent.mkdir()
        path.write_text('name = "race"\n[racing]\nbody = "Hi"\n', encoding="utf-8")
        engine = Engine(workspace)
        with pytest.raises(DeliveryClaimed, match="c0003 on racing .* is already sent"):
            engine.run(engine.load(path), send=True)
    finally:
        host.unregister(name="racing-channel")
    delivered = (workspace.out_dir("race") / "racing.jsonl").read_text().split()
    assert delivered == ["c0000", "c0001", "c0002"]  # never the piece the other run sent
    with workspace.open_journal() as journal:
        rows = {d.key.contact_uid: d for d in journal.deliveries("race")}
    # The outcome committed in the batch that lost the claim is kept, not rolled back.
    assert rows["c0002"].status == SENT and rows["c0002"].message_id == "<this-run>"
    assert rows["c0003"].status == SENT and rows["c0003"].message_id == "<other-run>"
    assert "c0004" not in rows and "c0005" not in rows


def test_a_lock_file_replaced_by_a_link_is_not_followed(
    workspace: Workspace,
    tmp_path: Path,
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("someone else's file\n")
    workspace.lock_dir.mkdir()
    (workspace.lock_dir / "send.lock").symlink_to(victim)
    campaign = campaign_file(tmp_path)
    result = subprocess.run(
        _argv(workspace.root, campaign), env=ENV, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2, result
    assert "send.lock: is a symbolic link" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert victim.read_text() == "someone else's file\n"
