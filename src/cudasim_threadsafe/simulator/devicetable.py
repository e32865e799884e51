"""The simulated device's attributes: one table, read by the device object
(``get_current_device().MAX_THREADS_PER_BLOCK``) and by the launch, which
refuses what this device would refuse.

The values are those a driver reports for a device of the simulator's
compute capability (5.2, as upstream's simulator says), so that code
sizing its launches from them sizes them as for such a GPU.
"""

COMPUTE_CAPABILITY = (5, 2)

# Names as the driver's ``CU_DEVICE_ATTRIBUTE_<name>``.
ATTRIBUTES = {
    "MAX_THREADS_PER_BLOCK": 1024,
    "MAX_BLOCK_DIM_X": 1024,
    "MAX_BLOCK_DIM_Y": 1024,
    "MAX_BLOCK_DIM_Z": 64,
    "MAX_GRID_DIM_X": 2**31 - 1,
    "MAX_GRID_DIM_Y": 65535,
    "MAX_GRID_DIM_Z": 65535,
    "MAX_SHARED_MEMORY_PER_BLOCK": 48 * 1024,
    "MAX_SHARED_MEMORY_PER_BLOCK_OPTIN": 48 * 1024,
    "MAX_SHARED_MEMORY_PER_MULTIPROCESSOR": 96 * 1024,
    "WARP_SIZE": 32,
    "MULTIPROCESSOR_COUNT": 24,
    "MAX_THREADS_PER_MULTIPROCESSOR": 2048,
    "MAX_BLOCKS_PER_MULTIPROCESSOR": 32,
    "COOPERATIVE_LAUNCH": 1,
    "COMPUTE_CAPABILITY_MAJOR": COMPUTE_CAPABILITY[0],
    "COMPUTE_CAPABILITY_MINOR": COMPUTE_CAPABILITY[1],
}
