# The supported numba / numba-cuda versions and the test tools, pinned.
# Sourced by scripts/test-all.sh and scripts/check-export.sh.

# coverage: test_coverage runs kernels under it (7.16.2: the newest that
# also installs on Python 3.10).
test_reqs="pytest==8.4.2 pytest-xdist==3.8.0 coverage==7.16.2"
# The greenlet scheduler's dependency (pyproject.toml asks for a range).
greenlet_req="greenlet==3.5.6"
# Other Pythons (pyenv's) that run the package's tests, with numba alone.
other_pythons=(/root/.pyenv/versions/3.10.13 /root/.pyenv/versions/3.12.1
  /root/.pyenv/versions/3.13.0)
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

# Compiling the test kernels for the GPU (no GPU needed): numba-cuda with
# its CUDA 12 toolkit wheels (NVVM), pinned (scripts/compile_for_gpu.py).
gpu_compile_pins="numba==0.68.1 numba-cuda[cu12]==0.30.4"
gpu_compile_pins+=" cuda-toolkit==12.9.2.0 cuda-bindings==12.9.10"
gpu_compile_pins+=" cuda-core==1.2.2 cuda-pathfinder==1.9.0"
gpu_compile_pins+=" nvidia-cuda-nvcc-cu12==12.9.86"
gpu_compile_pins+=" nvidia-cuda-nvrtc-cu12==12.9.86"
gpu_compile_pins+=" nvidia-cuda-runtime-cu12==12.9.79"
gpu_compile_pins+=" nvidia-cuda-cccl-cu12==12.9.27"
gpu_compile_pins+=" nvidia-nvjitlink-cu12==12.9.86"
# numba's built-in target compiling with the same NVVM (found through
# CUDA_HOME), for GPU typing's matrix on that target.
builtin_compile_pins="numba==0.68.1 nvidia-cuda-nvcc-cu12==12.9.86"
# The compile check's own dependency (the gpucheck extra).
gpu_compile_pins+=" cloudpickle==3.1.3"

# Upstream's own rules for the files the export touches in numba-cuda's
# repository (scripts/check-upstream-repo.sh): its ruff pin, and what its
# toolshed/check_spdx.py imports.
upstream_rule_pins="ruff==0.11.2 pathspec==1.1.1"

# numba-cuda-mlir (Python 3.11+) in an environment without numba: it and
# what it pulls in, pinned (scripts/test-all.sh numba-cuda-mlir-0.6.0).
mlir_name="numba-cuda-mlir-0.6.0"
mlir_pins="numba-cuda-mlir==0.6.0 cuda-bindings==13.5.0 cuda-core==1.2.2"
mlir_pins+=" cuda-pathfinder==1.9.1 numpy==2.4.6"
# Besides tests/mlir, the test modules that apply without numba.
mlir_other_tests="test_fronts test_standalone test_standalone_host"
mlir_other_tests+=" test_standalone_random"
# Both compilers in one environment (scripts/test-all.sh, after the
# numba-cuda-mlir run): numba-cuda beside numba-cuda-mlir.
mixed_pins="numba==0.68.1 numba-cuda==0.30.4 $mlir_pins"
