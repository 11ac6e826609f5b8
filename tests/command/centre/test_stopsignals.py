"""The centre process's stop signals reach the main thread's wait whichever thread takes them."""

from __future__ import annotations

import os
import signal
import threading

from command.centre.stopsignals import StopSignals


def test_a_stop_signal_that_another_thread_takes_reaches_the_wait_and_ends_nothing() -> None:
    other_ready, other_done = threading.Event(), threading.Event()
    other = threading.Thread(target=lambda: (other_ready.set(), other_done.wait(10)))
    before = signal.getsignal(signal.SIGTERM)
    with StopSignals(signal.SIGTERM, signal.SIGUSR1) as stops:
        other.start()  # started before the main thread blocks: it can take the signal
        other_ready.wait(5)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # main is busy elsewhere
        try:
            os.kill(os.getpid(), signal.SIGTERM)  # process-directed, as systemd or kill send it
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        assert stops.wait(5) == signal.SIGTERM  # and this process is still here
        other_done.set()
        other.join(5)
        assert stops.wait(0.05) is None  # taken once
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_signal_sent_before_the_wait_is_kept_for_it_and_the_main_thread_is_named() -> None:
    before = signal.getsignal(signal.SIGINT)
    with StopSignals(signal.SIGINT, signal.SIGUSR1) as stops:
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGUSR1)
        signal.raise_signal(signal.SIGINT)  # no KeyboardInterrupt while the centre runs
        assert stops.next() == signal.SIGUSR1
        assert stops.next() == signal.SIGINT
    assert signal.getsignal(signal.SIGINT) == before
