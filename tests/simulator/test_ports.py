"""TCP ports as ArduPilot SITL lays them out: SERIAL0/1/2 on base, +2, +3 (+10 per vehicle), one
client per port (a second one waits), each port its own channel; and running out of file
descriptors refuses a connection without stopping the fleet."""

from __future__ import annotations

import itertools
import resource
import socket
import subprocess
import sys
import time

from tests.helpers.sitl import ROOT, Gcs, free_base_port, sitl


def _heartbeat(g: Gcs, timeout: float = 5.0) -> object:
    return g.recv("HEARTBEAT", lambda m: m.get_srcComponent() == 1, timeout=timeout)


def test_a_second_client_on_a_busy_port_waits_until_the_first_leaves(tmp_path) -> None:
    with sitl(tmp_path, speedup=5) as s:
        first = Gcs(s.url())
        _heartbeat(first)
        second = Gcs(s.url())  # the TCP connect succeeds, as on SITL: it sits in the backlog
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            assert second.m.recv_match(blocking=True, timeout=0.1) is None
        _heartbeat(first)  # the first one is still served
        first.close()
        assert _heartbeat(second, timeout=10).get_srcSystem() == 1  # now it is its turn
        second.close()


def test_serial_ports_are_channels_with_their_own_streams_and_sequence(tmp_path) -> None:
    with sitl(tmp_path, speedup=5) as s:
        assert [s.port(0, k) for k in range(3)] == [s.base_port + d for d in (0, 2, 3)]
        ports = [Gcs(s.url(0, serial=k)) for k in range(3)]
        for g in ports:
            _heartbeat(g)
        ports[1].request_streams(10)
        ports[1].recv("ATTITUDE")
        quiet_until = time.monotonic() + 1.0
        while time.monotonic() < quiet_until:  # SR0_* are still 0: port 0 gets no streams
            m = ports[0].m.recv_match(blocking=True, timeout=0.1)
            assert m is None or m.get_type() != "ATTITUDE"
        ports[1].seen.clear()
        for _ in range(20):
            ports[1].recv("ATTITUDE")
        seqs = [m.get_seq() for m in ports[1].seen if m.get_srcComponent() == 1]
        assert all((b - a) % 256 == 1 for a, b in itertools.pairwise(seqs))  # no gaps
        for g in ports:
            g.close()


def test_shared_ports_flag_serves_many_clients_on_one_port(tmp_path) -> None:
    with sitl(tmp_path, speedup=5, extra=["--shared-ports"]) as s:
        clients = [Gcs(s.url()) for _ in range(3)]
        for g in clients:
            _heartbeat(g)
        for g in clients:
            g.close()


def test_out_of_file_descriptors_refuses_connections_and_keeps_flying(tmp_path) -> None:
    base = free_base_port(1)
    limit = 40

    def lower_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    cmd = [sys.executable, "-m", "simulator", "--speedup", "5", "--base-port", str(base),
           "--shared-ports", "--station-feed", str(tmp_path / "s.csv")]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=lower_limit)  # fmt: skip
    try:
        assert proc.stdout is not None and "connect to" in proc.stdout.readline()
        g = Gcs(f"tcp:127.0.0.1:{base}")
        _heartbeat(g)
        crowd = [socket.create_connection(("127.0.0.1", base)) for _ in range(2 * limit)]
        time.sleep(1.0)  # real time for the simulator to take (and refuse) them
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        refused = 0
        for sock in crowd:
            sock.settimeout(2.0)
            try:
                refused += sock.recv(1) == b""
            except ConnectionResetError:
                refused += 1
            except TimeoutError:
                pass  # accepted and served (there were descriptors for it)
        assert refused > limit // 2  # closed on them: refused, not left hanging
        _heartbeat(g)  # the vehicle flies on and its first client is still served
        for sock in crowd:
            sock.close()
        time.sleep(0.5)
        late = Gcs(f"tcp:127.0.0.1:{base}")
        assert _heartbeat(late, timeout=10).get_srcSystem() == 1  # descriptors back: served
        late.close()
        g.close()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "connection refused" in err


def test_a_port_already_in_use_is_an_error_naming_it(tmp_path) -> None:
    base = free_base_port(1)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", base + 2))
        taken.listen(1)
        r = subprocess.run(
            [sys.executable, "-m", "simulator", "--base-port", str(base), "--duration", "1",
             "--station-feed", str(tmp_path / "s.csv")],
            cwd=ROOT, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    assert r.returncode == 1 and f"127.0.0.1:{base + 2}" in r.stderr
    assert "Traceback" not in r.stderr
