"""The simulated device, answering as numba-cuda's ``Device`` does.

Code sizes its launches from ``get_current_device()``: its attributes
(``MAX_THREADS_PER_BLOCK``, ``MULTIPROCESSOR_COUNT``, ``WARP_SIZE`` and
every other ``CU_DEVICE_ATTRIBUTE_*`` the driver gives), ``id`` and
``name``. The simulator's device had only ``compute_capability`` and
``uuid``; here it reads the rest from ``devicetable``. ``cuda.detect()``
returned None and ``get_memory_info()`` infinite floats, where programs
test a bool and compute with integers.
"""

import os
import sys

from . import devicetable, launchlimits

# Where the host cannot say how much memory it has: a Tesla M40's 12 GiB.
_DEFAULT_MEMORY = 12 * 2**30


def device_getattr(self, attr):
    """``FakeCUDADevice.__getattr__``: a device attribute by its driver
    name, as numba-cuda's ``Device.__getattr__`` reads it lazily; any other
    name raises AttributeError, as there."""
    try:
        return devicetable.attribute(attr)
    except KeyError:
        raise AttributeError(
            "type object 'CUdevice_attribute' has no attribute "
            "'CU_DEVICE_ATTRIBUTE_%s'" % attr
        ) from None


def device_repr(self):
    return "<CUDA device %d '%s'>" % (self.id, self.name)


def device_eq(self, other):
    """Devices are equal by id, as numba-cuda's are: each context of the
    simulator makes a device object of its own."""
    return type(other) is type(self) and other.id == self.id


def device_hash(self):
    return hash(self.id)


def get_device_identity(self):
    """The PCI location numba-cuda's ``Device.get_device_identity`` gives."""
    return {
        "pci_domain_id": self.PCI_DOMAIN_ID,
        "pci_bus_id": self.PCI_BUS_ID,
        "pci_device_id": self.PCI_DEVICE_ID,
    }


def _api():
    from numba.cuda.simulator import api

    return api


def _supports(name):
    def supports(self):
        found = getattr(_api(), "is_%s_supported" % name, None)
        return bool(found()) if found is not None else False

    supports.__name__ = "supports_" + name
    supports.__doc__ = "Whether the simulator computes in %s." % name
    return property(supports)


def memory_info(self):
    """``(free, total)`` in bytes, integers as on a GPU: the simulator's
    device memory is host memory, so the host's available and physical
    memory where the host says (POSIX ``sysconf``), else 12 GiB of each."""
    from numba.cuda.simulator.cudadrv.devices import _MemoryInfo

    try:
        page = os.sysconf("SC_PAGE_SIZE")
        total = os.sysconf("SC_PHYS_PAGES") * page
        free = os.sysconf("SC_AVPHYS_PAGES") * page
    except (AttributeError, ValueError, OSError):
        total = free = _DEFAULT_MEMORY
    if total <= 0 or free < 0:
        total = free = _DEFAULT_MEMORY
    return _MemoryInfo(free=int(free), total=int(total))


def _yes(flag):
    return "Yes" if flag else "No"


def detect():
    """Print the devices as numba-cuda's ``cuda.detect()`` prints them and
    return whether any is supported: the simulator's one always is."""
    devices = [context.device for context in _api().list_devices()]
    print("Found %d CUDA devices" % len(devices))
    for dev in devices:
        attrs = [
            ("Compute Capability", "%d.%d" % tuple(dev.compute_capability)),
            ("PCI Device ID", dev.PCI_DEVICE_ID),
            ("PCI Bus ID", dev.PCI_BUS_ID),
            ("UUID", dev.uuid),
            ("Watchdog", "Enabled" if dev.KERNEL_EXEC_TIMEOUT else "Disabled"),
            (
                "FP32/FP64 Performance Ratio",
                dev.SINGLE_TO_DOUBLE_PRECISION_PERF_RATIO,
            ),
            ("FP16 Support", _yes(dev.supports_float16)),
            ("BF16 Support", _yes(dev.supports_bfloat16)),
            ("FP8 Support", _yes(dev.supports_fp8)),
        ]
        print("id %d    %20s %40s" % (dev.id, dev.name, "[SUPPORTED]"))
        for key, val in attrs:
            print("%40s: %s" % (key, val))
    print("Summary:")
    print("\t%d/%d devices are supported" % (len(devices), len(devices)))
    return len(devices) > 0


def select_device(dev=0):
    """Make device ``dev`` current and return it, as numba-cuda does; the
    simulator has device 0 only (IndexError for another)."""
    return _api().gpus[dev].device


# Replaced wherever a namespace holds the simulator's own function of that
# name.
HOST_FUNCTIONS = {"detect": detect, "select_device": select_device}


def simulator_changes():
    """``(owner, name, new)``: the device's attributes, id, name and
    equality; integer memory info; ``detect`` and ``select_device``
    under each name that holds the simulator's own; ``forall`` of no tasks."""
    api = _api()
    from numba.cuda.simulator.cudadrv import devices

    fake = devices.FakeCUDADevice
    changes = [
        (fake, "__getattr__", device_getattr),
        (fake, "__repr__", device_repr),
        (fake, "__eq__", device_eq),
        (fake, "__hash__", device_hash),
        (fake, "id", 0),
        (fake, "name", devicetable.NAME),
        (fake, "get_device_identity", get_device_identity),
        (fake, "supports_float16", _supports("float16")),
        (fake, "supports_bfloat16", _supports("bfloat16")),
        (fake, "supports_fp8", _supports("fp8")),
        (devices.FakeCUDAContext, "get_memory_info", memory_info),
    ]
    changes += launchlimits.simulator_changes()
    package = api.__name__.rpartition(".")[0]
    cuda = package.rpartition(".")[0]
    namespaces = [
        module
        for name, module in list(sys.modules.items())
        if module is not None and (name == cuda or name.startswith(package))
    ]
    for name, new in HOST_FUNCTIONS.items():
        old = vars(api).get(name)
        if old is None or old is new:
            continue
        changes += [
            (module, name, new)
            for module in namespaces
            if vars(module).get(name) is old
        ]
    return changes
