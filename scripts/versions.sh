# The supported numba / numba-cuda versions and the test tools, pinned.
# Sourced by scripts/test-all.sh and scripts/check-export.sh.

test_reqs="pytest==8.4.2 pytest-xdist==3.8.0"
# The greenlet scheduler's dependency (pyproject.toml asks for a range).
greenlet_req="greenlet==3.5.6"
# Other Pythons (pyenv's) that run the package's tests, with numba alone.
other_pythons=(/root/.pyenv/versions/3.10.13 /root/.pyenv/versions/3.13.0)
other_python_pins="numba==0.68.1"
# Versions whose upstream suite also runs with the fix on in the OS-thread
# launcher mode (the newest of each simulator; all run the default mode).
threads_suite_versions="numba-0.68.1 numba-cuda-0.30.4"
# What numba-cuda's CI installs to run its suite (its "test" group), pinned.
numba_cuda_reqs="pytest-benchmark==5.3.1 filecheck==1.0.3 ml_dtypes==0.6.0"
numba_cuda_reqs+=" psutil==7.2.2 cffi==2.1.1"

# name | pinned upstream | extra test requirements | upstream suite runner
versions=(
  "numba-0.68.1|numba==0.68.1||runtests"
  "numba-0.61.2|numba==0.61.2||runtests"
  "numba-cuda-0.30.4|numba==0.68.1 numba-cuda==0.30.4|$numba_cuda_reqs|pytest"
  "numba-cuda-0.24.0|numba==0.62.1 numba-cuda==0.24.0|$numba_cuda_reqs|pytest"
)
