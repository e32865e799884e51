"""The real CUDA target, asked from the simulator: GPU typing of the
intrinsics (``gputyping``, ``signatures``) and the compile check
(``gpucheck``), each answered by a worker process with the simulator off
(``childworker``)."""
