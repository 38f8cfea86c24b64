"""``dlcourse grade``: autograde a folder of student submissions with nbgrader, safely and repeatably.

- :mod:`~dlcourse.grading.cli` — the command line (``register(subparsers)``);
- :mod:`~dlcourse.grading.batch` — one grading run: workers in parallel, merged gradebook, CSV, feedback;
- :mod:`~dlcourse.grading.submissions` — finding, validating and repairing submitted notebooks;
- :mod:`~dlcourse.grading.worker` — long-lived worker processes, each grading one student after another, each
  student in a workspace of its own;
- :mod:`~dlcourse.grading.execute` — nbgrader's execution step made robust to dead and stuck kernels;
- :mod:`~dlcourse.grading.sandbox` — the student's kernel inside bubblewrap, with memory and process limits.

Isolation (``--isolation auto``, the default, and ``bwrap`` use bubblewrap and refuse to grade when it cannot run
here, with the reason and the fix; only an explicit ``--isolation none`` grades without it, and every report says so):

- covered by the bubblewrap sandbox: the kernel sees the system and the Python environment read-only, the
  course data read-only, and read-write only its own folder (a copy of the student's notebook and files) plus a
  private 256 MiB ``/tmp``; not the solutions, the hidden tests, the gradebook, other submissions, the grading
  workspace or the rest of the host; no network; its own PID/IPC/UTS namespaces, no capabilities, no nested user
  namespaces; limits on resident memory (the process tree is killed), address space, processes, file size;
  per-cell timeout (interrupt, then kill) and a wall-clock limit per student;
- not covered: code running inside the kernel can still tamper with the tests (monkey-patch ``dlcourse.checks``,
  hook IPython, read the running test cell's source through stack frames) — :mod:`.submissions` flags such
  code for review, and the feedback drops whatever the hidden tests printed or raised, but neither prevents it;
  hidden inputs reach the student's functions, which can print them (the instructor's copy keeps that output);
  disk use of the student's folder and CPU time within the timeouts are not limited; the memory and process
  watchdog polls every 0.1 s (the address-space limit is the hard cap); bubblewrap is not a virtual machine (a
  Linux kernel exploit could escape); nbgrader itself runs outside the sandbox but never executes student code.
- ``--isolation none``: only the limits and timeouts; the kernel can read and write whatever the grading user
  can. Install bubblewrap with ``scripts/install-system-deps.sh``.
- in every mode, no process a submission started outlives its grading: the batch, each worker and each kernel
  wrapper are child subreapers (orphans re-parent to them, not to PID 1) and kill every descendant left when a
  student (or the run) ends; the kernel dies with its wrapper (``PR_SET_PDEATHSIG``, or bwrap's
  ``--die-with-parent`` and PID namespace).
"""
