"""The standalone simulator's host side: device arrays, transfers,
streams, events, contexts and the device, as numba-cuda-mlir's
``cuda`` gives them, with host memory standing in for device memory.

Runs wherever the package runs, no compiler needed; where numba-cuda's
simulator is installed, some answers are compared with its own.
"""

import asyncio
import contextlib
import io
import os
import threading
import types

import numpy as np
import pytest

from cudasim_threadsafe.simulator import devicetable
from cudasim_threadsafe.standalone import devicearray, driver, hostapi

cuda = types.SimpleNamespace(**hostapi.HOST_NAMES)


# Device arrays


def test_round_trip_keeps_values_layout_and_dtype():
    for host in (
        np.arange(12.0).reshape(3, 4),
        np.asfortranarray(np.arange(12, dtype=np.int16).reshape(3, 4)),
        np.array(7, dtype=np.complex64),
        np.arange(6).astype("datetime64[s]"),
    ):
        d = cuda.to_device(host)
        assert isinstance(d, cuda.DeviceNDArray)
        assert (d.shape, d.strides, d.dtype) == (
            host.shape,
            host.strides,
            host.dtype,
        )
        assert (d.ndim, d.size, d.nbytes) == (host.ndim, host.size, host.nbytes)
        back = d.copy_to_host()
        assert back.dtype == host.dtype
        np.testing.assert_array_equal(back, host)


def test_to_device_of_a_numpy_subclass_holds_a_plain_array():
    d = cuda.to_device(np.arange(4).view(np.matrix))
    assert type(d.copy_to_host()) is np.ndarray
    seen, _ = devicearray.kernel_argument(d)
    assert type(seen) is np.ndarray and seen[0, 1] == 1


def test_to_device_copies_and_keeps_the_device_array_apart():
    host = np.arange(5.0)
    d = cuda.to_device(host)
    host[0] = 100
    assert d.copy_to_host()[0] == 0
    assert cuda.to_device(d) is d


def test_to_device_into_an_existing_array_returns_it():
    d = cuda.device_array(4, np.int64)
    assert cuda.to_device(np.arange(4), to=d) is d
    np.testing.assert_array_equal(d.copy_to_host(), np.arange(4))


def test_to_device_refuses_a_non_contiguous_array():
    with pytest.raises(ValueError, match="non-contiguous"):
        cuda.to_device(np.arange(20.0).reshape(4, 5)[:, ::2])


def test_copy_to_host_into_an_out_array():
    d = cuda.to_device(np.arange(6.0).reshape(2, 3))
    out = np.zeros((2, 3))
    assert d.copy_to_host(out) is out
    np.testing.assert_array_equal(out, np.arange(6.0).reshape(2, 3))
    # Size-one axes aside, the layout must match, as on the real target.
    flat = np.zeros((1, 2, 3))
    d.copy_to_host(flat)
    assert flat[0, 1, 2] == 5
    with pytest.raises(TypeError, match="incompatible dtype"):
        d.copy_to_host(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match="incompatible shape"):
        d.copy_to_host(np.zeros((3, 2)))


def test_copy_to_device_from_host_and_device():
    d = cuda.device_array((2, 3), np.int32)
    d.copy_to_device(np.arange(6, dtype=np.int32).reshape(2, 3))
    e = cuda.device_array_like(d)
    e.copy_to_device(d)
    np.testing.assert_array_equal(e.copy_to_host(), d.copy_to_host())
    with pytest.raises(ValueError, match="incompatible shape"):
        d.copy_to_device(np.zeros(5, np.int32))


def test_views_share_memory():
    d = cuda.to_device(np.zeros((4, 6)))
    row = d[1]
    column = d[:, 2]
    assert isinstance(row, cuda.DeviceNDArray)
    row[3] = 5
    column[0] = 7
    host = d.copy_to_host()
    assert host[1, 3] == 5 and host[0, 2] == 7
    d.reshape(6, 4)[0, 0] = 1
    d.ravel()[-1] = 2
    d.view(np.int64)[0, 1] = 3
    host = d.copy_to_host()
    assert host[0, 0] == 1 and host[3, 5] == 2
    assert host[0, 1] == np.int64(3).view(np.float64)


def test_an_integer_index_gives_a_numpy_scalar():
    d = cuda.to_device(np.arange(6, dtype=np.int32).reshape(2, 3))
    value = d[1, 2]
    assert type(value) is np.int32 and value == 5
    with pytest.raises(IndexError):
        d[5, 0]


def test_setitem_broadcasts_as_the_real_device_array():
    d = cuda.device_array((2, 3))
    d[:] = 1.5
    d[1] = np.array([1.0, 2.0, 3.0])
    d[0, 0] = 9
    np.testing.assert_array_equal(d.copy_to_host(), [[9, 1.5, 1.5], [1, 2, 3]])
    with pytest.raises(ValueError, match="Can't assign 2-D array to 1-D"):
        d[0] = np.ones((1, 3))
    with pytest.raises(ValueError, match="Can't copy sequence with size 2"):
        d[0] = np.ones(2)


def test_fancy_indexing_is_refused():
    d = cuda.to_device(np.arange(5))
    with pytest.raises(TypeError):
        d[[0, 1]]


def test_asarray_copies_and_refuses_copy_false():
    d = cuda.to_device(np.arange(3.0))
    host = np.asarray(d)
    host[0] = 10
    assert d[0] == 0
    assert np.asarray(d, dtype=np.int64).dtype == np.int64
    with pytest.raises(ValueError, match="copy=False"):
        d.__array__(copy=False)


def test_no_numpy_methods_or_arithmetic_on_device_arrays():
    # The real device array has none: code using them fails on a GPU.
    d = cuda.to_device(np.arange(3.0))
    assert not hasattr(d, "sum")
    with pytest.raises(TypeError):
        d + 1


def test_reshape_and_ravel_refuse_a_copy():
    d = cuda.to_device(np.arange(12.0).reshape(3, 4))
    with pytest.raises(NotImplementedError, match="non-contiguous"):
        d[:, 1:3].ravel()
    with pytest.raises(NotImplementedError, match="non-contiguous"):
        d[::2, 0].ravel()
    with pytest.raises(NotImplementedError, match="requires copying"):
        d[:, 1:3].reshape(6)
    f = cuda.to_device(np.zeros((3, 4), order="F"))
    assert f.reshape((4, 3), order="F").is_f_contiguous()
    with pytest.raises(NotImplementedError):
        d.reshape((4, 3), order="F")


def test_view_of_another_size_needs_c_contiguity():
    d = cuda.to_device(np.zeros((2, 4), np.float32))
    assert d.view(np.float64).shape == (2, 2)
    with pytest.raises(ValueError, match="C-contiguous"):
        d.T.T[:, ::2].view(np.float64)
    with pytest.raises(ValueError, match="divisor"):
        cuda.to_device(np.zeros(3, np.float32)).view(np.float64)


def test_transpose_is_a_new_c_contiguous_array():
    d = cuda.to_device(np.arange(6.0).reshape(2, 3))
    t = d.T
    np.testing.assert_array_equal(
        t.copy_to_host(), np.arange(6.0).reshape(2, 3).T
    )
    assert t.is_c_contiguous()
    t[0, 0] = 50
    assert d[0, 0] == 0
    assert d.transpose((0, 1)) is d
    with pytest.raises(NotImplementedError, match="non-2D"):
        cuda.to_device(np.zeros((2, 2, 2))).T
    with pytest.raises(ValueError, match="invalid axes"):
        d.transpose((0, 2))


def test_split_gives_views_lazily():
    d = cuda.to_device(np.arange(7))
    parts = d.split(3)
    assert not isinstance(parts, list)
    parts = list(parts)
    assert [p.copy_to_host().tolist() for p in parts] == [
        [0, 1, 2],
        [3, 4, 5],
        [6],
    ]
    parts[1][0] = 30
    assert d[3] == 30
    with pytest.raises(ValueError, match="1d"):
        list(cuda.to_device(np.zeros((2, 2))).split(1))
    with pytest.raises(ValueError, match="unit stride"):
        list(d[::2].split(1))


def test_contiguity_flags_len_and_sizes():
    d = cuda.to_device(np.zeros((3, 4), np.float32))
    assert d.is_c_contiguous() and not d.is_f_contiguous()
    assert d.flags == {"C_CONTIGUOUS": True, "F_CONTIGUOUS": False}
    assert len(d) == 3
    column = d[:, 1]
    assert not column.is_c_contiguous()
    assert column.nbytes == 12
    assert column.alloc_size == 4 * (2 * 4 + 1)


def test_bind_gives_a_view_with_its_stream():
    s = cuda.stream()
    d = cuda.to_device(np.zeros(3))
    bound = d.bind(s)
    assert bound.stream is s and d.stream == 0
    bound[0] = 1
    assert d[0] == 1
    assert bound[1:].stream is s


def test_device_array_like_keeps_memory_order():
    host = np.zeros((2, 3, 4)).transpose(2, 0, 1)
    like = cuda.device_array_like(host)
    assert like.shape == host.shape
    assert (
        np.argsort(like.strides).tolist() == np.argsort(host.strides).tolist()
    )
    assert cuda.device_array_like(np.zeros((3, 4), order="F")).is_f_contiguous()
    with pytest.raises(TypeError, match="shape"):
        cuda.device_array(2.0)
    with pytest.raises(ValueError, match="C/F"):
        cuda.device_array((2, 2), order="A")


def test_constructor_views_gpu_data_with_any_strides():
    base = cuda.to_device(np.arange(4.0))
    broadcast = cuda.DeviceNDArray(
        (3, 4), (0, 8), np.float64, gpu_data=base.gpu_data
    )
    np.testing.assert_array_equal(
        broadcast.copy_to_host(), np.tile(np.arange(4.0), (3, 1))
    )
    fresh = cuda.DeviceNDArray(5, 8, np.float64)
    assert fresh.shape == (5,)
    with pytest.raises(ValueError, match="strides"):
        cuda.DeviceNDArray((2, 2), (8,), np.float64)


def test_records():
    dtype = np.dtype([("x", np.int32), ("y", np.float64, (2,))])
    d = cuda.to_device(np.zeros(3, dtype))
    rec = d[1]
    assert isinstance(rec, devicearray.DeviceRecord)
    rec["x"] = 4
    assert rec["x"] == 4 and d.copy_to_host()[1]["x"] == 4
    rec["y"][1] = 2.5
    assert d.copy_to_host()[1]["y"][1] == 2.5


def test_host_arrays_of_each_kind():
    pinned = cuda.pinned_array((2, 3), np.int8)
    assert type(pinned) is np.ndarray and pinned.shape == (2, 3)
    assert type(cuda.pinned_array_like(np.zeros((2, 2), order="F"))) is (
        np.ndarray
    )
    for made in (
        cuda.mapped_array(4, np.float32),
        cuda.mapped_array_like(np.zeros(4, np.float32)),
        cuda.managed_array(4, np.float32),
    ):
        assert isinstance(made, np.ndarray) and made.__cuda_memory__
        made[:] = 3
        np.testing.assert_array_equal(made.copy_to_host(), [3, 3, 3, 3])
        assert made.__cuda_array_interface__["shape"] == (4,)


def test_mapped_and_pinned_context_managers():
    a, b = np.zeros(3), np.zeros(2)
    with cuda.mapped(a) as view:
        view[0] = 1
    assert a[0] == 1
    with cuda.mapped(a, b, stream=0) as views:
        views[1][1] = 2
    assert b[1] == 2
    with cuda.pinned(a, b) as nothing:
        assert nothing is None


def test_ipc_is_refused():
    with pytest.raises(NotImplementedError, match="IPC"):
        cuda.to_device(np.zeros(2)).get_ipc_handle()
    with pytest.raises(NotImplementedError, match="IPC"):
        cuda.open_ipc_array(b"", (2,), np.float64)


def test_driver_memory_calls():
    context = cuda.current_context()
    memory = context.memhostalloc(32, mapped=True)
    ary = np.ndarray(32, np.uint8, buffer=memory)
    driver.device_memset(memory, 0x1AB, 32)
    assert (ary == 0xAB).all()
    d = cuda.DeviceNDArray(4, 8, np.float64, gpu_data=context.memalloc(32))
    driver.host_to_device(d, np.arange(4.0), 32)
    np.testing.assert_array_equal(d.copy_to_host(), np.arange(4.0))
    back = np.zeros(4)
    driver.device_to_host(back, d, 16)
    assert back.tolist() == [0, 1, 0, 0]
    assert driver.device_memory_size(d[:, None][::2]) == 24
    assert driver.memory_size_from_info((2, 3), (24, 8), 8) == 48
    assert driver.is_device_memory(d) and not driver.is_device_memory(back)
    assert driver.device_pointer(d) == d.__cuda_array_interface__["data"][0]
    assert driver.device_ctypes_pointer(None).value is None
    with pytest.raises(Exception, match="Not a CUDA memory"):
        driver.device_ctypes_pointer(back)
    with pytest.raises(NotImplementedError, match="IPC"):
        context.get_ipc_handle(memory)


# The CUDA array interface


def test_cuda_array_interface_points_at_the_host_memory():
    d = cuda.to_device(np.arange(6.0).reshape(2, 3))
    interface = d.__cuda_array_interface__
    assert interface["shape"] == (2, 3)
    assert interface["strides"] is None
    assert interface["typestr"] == "<f8"
    assert interface["version"] == 3 and interface["stream"] is None
    assert interface["data"] == (d._ary.ctypes.data, False)
    assert d[:, 1].__cuda_array_interface__["strides"] == (24,)
    assert cuda.device_array(0).__cuda_array_interface__["data"][0] == 0
    s = cuda.stream()
    assert d.bind(s).__cuda_array_interface__["stream"] == int(s)


class _Foreign:
    """Another library's array: only the CUDA array interface."""

    def __init__(self, interface):
        self.__cuda_array_interface__ = interface


def test_from_cuda_array_interface_shares_memory():
    d = cuda.to_device(np.arange(6.0).reshape(2, 3))
    view = cuda.from_cuda_array_interface(
        d[:, 1].__cuda_array_interface__, owner=d
    )
    assert isinstance(view, cuda.DeviceNDArray)
    view[1] = -1
    assert d[1, 1] == -1
    foreign = _Foreign(d.__cuda_array_interface__)
    assert cuda.is_cuda_array(foreign) and not cuda.is_cuda_array(np.zeros(1))
    again = cuda.as_cuda_array(foreign)
    again[0, 0] = 42
    assert d[0, 0] == 42
    with pytest.raises(TypeError, match="cuda array interface"):
        cuda.as_cuda_array(np.zeros(2))
    masked = dict(d.__cuda_array_interface__, mask=object())
    with pytest.raises(NotImplementedError, match="Masked"):
        cuda.from_cuda_array_interface(masked)


def test_from_cuda_array_interface_of_records_and_streams():
    dtype = np.dtype([("a", np.int32), ("b", np.float32)])
    d = cuda.to_device(np.zeros(2, dtype))
    view = cuda.as_cuda_array(d)
    assert view.dtype == dtype
    interface = dict(d.__cuda_array_interface__, stream=1234)
    with_stream = cuda.from_cuda_array_interface(interface)
    assert repr(with_stream.stream) == "<External CUDA stream 1234>"


# Kernel arguments


def test_kernel_argument_conversions():
    d = cuda.to_device(np.zeros(3))
    seen, after = devicearray.kernel_argument(d)
    assert type(seen) is np.ndarray and after is None
    seen[0] = 1
    assert d[0] == 1

    host = np.zeros(3)
    seen, after = devicearray.kernel_argument(host)
    seen[1] = 2
    assert host[1] == 0
    after()
    assert host[1] == 2

    for value in (3, 2.5, np.float32(1), True, None, 1j):
        assert devicearray.kernel_argument(value) == (value, None)

    foreign = _Foreign(d.__cuda_array_interface__)
    seen, after = devicearray.kernel_argument(foreign)
    seen[2] = 5
    assert d[2] == 5 and after is None


def test_kernel_argument_hints_and_tuples():
    a, b = np.zeros(2), np.zeros(2)
    seen, after = devicearray.kernel_argument(cuda.In(a))
    seen[0] = 1
    assert after is None and a[0] == 0
    seen, after = devicearray.kernel_argument(cuda.Out(a))
    seen[0] = 1
    after()
    assert a[0] == 1
    seen, after = devicearray.kernel_argument((cuda.InOut(a), b, 3))
    assert isinstance(seen, tuple) and seen[2] == 3
    seen[0][1] = 7
    seen[1][1] = 8
    after()
    assert a[1] == 7 and b[1] == 8


def test_kernel_sees_records_with_attributes():
    dtype = np.dtype([("x", np.int32), ("y", np.float64)])
    d = cuda.to_device(np.zeros(2, dtype))
    seen, _ = devicearray.kernel_argument(d)
    seen[1].x = 3
    seen[0]["y"] = 1.5
    assert d[1]["x"] == 3 and d[0]["y"] == 1.5
    record, _ = devicearray.kernel_argument(d[1])
    record.y = 4.0
    assert d[1]["y"] == 4.0


def _add_one(a, b):
    a[0] += 1
    b[0] += 1


def test_a_launch_copies_host_arrays_back_and_writes_device_arrays():
    standalone = pytest.importorskip("cudasim_threadsafe.standalone.kernel")
    kernel = standalone.Kernel(_add_one)
    host = np.zeros(1)
    d = cuda.to_device(np.zeros(1))
    kernel[1, 1](host, d)
    assert host[0] == 1 and d[0] == 1
    frozen = np.zeros(1)
    kernel[1, 1](cuda.In(frozen), d)
    assert frozen[0] == 0 and d[0] == 2


# Streams and events


def test_streams():
    s = cuda.stream()
    assert s.synchronize() is None
    assert int(s) != 0 and int(cuda.stream()) != int(s)
    assert repr(s) == "<CUDA stream %d>" % int(s)
    assert repr(cuda.default_stream()) == "<Default CUDA stream>"
    assert repr(cuda.legacy_default_stream()) == "<Legacy default CUDA stream>"
    assert repr(cuda.per_thread_default_stream()) == (
        "<Per-thread default CUDA stream>"
    )
    assert int(cuda.default_stream()) == 0
    with s.auto_synchronize() as entered:
        assert entered is s
    assert cuda.external_stream(77).external
    with pytest.raises(TypeError, match="int"):
        cuda.external_stream(1.5)


def test_stream_callbacks_and_async_done():
    s = cuda.stream()
    calls = []
    s.add_callback(
        lambda stream, status, arg: calls.append((stream, status, arg)), 9
    )
    assert calls == [(s, 0, 9)]
    with pytest.warns(UserWarning, match="Exception in stream callback"):
        s.add_callback(lambda *args: 1 / 0)

    async def wait():
        return await s.async_done()

    assert asyncio.run(wait()) is s


def test_events():
    start, end = cuda.event(), cuda.event()
    start.record()
    end.record(cuda.stream())
    end.synchronize()
    end.wait()
    assert end.query()
    assert start.elapsed_time(end) >= 0.0
    assert cuda.event_elapsed_time(start, end) >= 0.0


def test_elapsed_time_needs_timing_and_records():
    timed, untimed = cuda.event(), cuda.event(timing=False)
    timed.record()
    untimed.record()
    for first, second in ((timed, untimed), (timed, cuda.event())):
        with pytest.raises(driver.CudaAPIError) as caught:
            first.elapsed_time(second)
        assert caught.value.code == driver.CUresult.CUDA_ERROR_INVALID_HANDLE
        assert str(caught.value) == (
            "[<CUresult.CUDA_ERROR_INVALID_HANDLE: 400>] Call to "
            "cuEventElapsedTime results in CUDA_ERROR_INVALID_HANDLE"
        )


# Devices and contexts


def test_device_answers_from_the_device_table():
    dev = cuda.get_current_device()
    assert dev.id == 0 and dev.name == devicetable.NAME
    assert dev.compute_capability == devicetable.COMPUTE_CAPABILITY
    assert dev.uuid.startswith("GPU-")
    for name, value in devicetable.ATTRIBUTES.items():
        assert getattr(dev, name) == value
    assert (
        dev.MAX_THREADS_PER_MULTI_PROCESSOR
        == (devicetable.ATTRIBUTES["MAX_THREADS_PER_MULTIPROCESSOR"])
    )
    with pytest.raises(AttributeError, match="NO_SUCH"):
        dev.NO_SUCH
    assert repr(dev) == "<CUDA device 0 'SIMULATOR'>"
    assert dev.get_device_identity() == {
        "pci_domain_id": 0,
        "pci_bus_id": 0,
        "pci_device_id": 0,
    }
    assert cuda.select_device(0) == dev
    with pytest.raises(IndexError):
        cuda.select_device(1)


def test_gpus_list():
    assert len(cuda.gpus) == 1 and cuda.list_devices() is cuda.gpus
    (only,) = list(cuda.gpus)
    assert only.name == devicetable.NAME and only.id == 0
    assert str(cuda.gpus[0]) == "<Managed Device 0>"
    assert cuda.gpus[0].device is cuda.get_current_device()
    assert cuda.gpus[np.int64(0)].id == 0
    with cuda.gpus[0]:
        assert cuda.get_current_device().id == 0
    assert cuda.gpus.current.id == 0
    assert driver.driver.get_device_count() == 1
    assert driver.driver.get_device(0) == cuda.get_current_device()
    assert driver.driver.is_available


def test_context():
    context = cuda.current_context()
    assert context.device == cuda.get_current_device()
    free, total = context.get_memory_info()
    assert type(free) is int and type(total) is int and 0 <= free <= total
    assert context.reset() is None and context.synchronize() is None
    assert len(context.deallocations) == 0
    with cuda.defer_cleanup():
        pass
    assert cuda.synchronize() is None and cuda.close() is None


def test_support_answers():
    assert cuda.is_available() is True
    assert cuda.is_supported_version() is True
    assert cuda.is_float16_supported() is True
    assert cuda.is_bfloat16_supported() is False
    assert cuda.is_fp8_supported() is False
    assert cuda.cuda_error() is None
    cuda.profile_start()
    cuda.profile_stop()
    with cuda.profiling():
        pass


def test_detect_prints_the_device_and_returns_true():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cuda.detect() is True
    text = out.getvalue()
    assert text.startswith("Found 1 CUDA devices\n")
    assert "SIMULATOR" in text and "Compute Capability: 5.2" in text
    assert text.endswith("1/1 devices are supported\n")


def test_configure_hands_in_the_compilers_exceptions():
    class TheirAPIError(Exception):
        def __init__(self, code, msg):
            super().__init__(code, msg)
            self.code = code

    class TheirSupportError(ImportError):
        pass

    saved = (driver.CudaAPIError, driver.CudaSupportError)
    try:
        hostapi.configure(
            CudaAPIError=TheirAPIError, CudaSupportError=TheirSupportError
        )
        assert hostapi.HOST_NAMES["CudaSupportError"] is TheirSupportError
        with pytest.raises(TheirAPIError):
            cuda.event(timing=False).elapsed_time(cuda.event())
    finally:
        hostapi.configure(CudaAPIError=saved[0], CudaSupportError=saved[1])
    assert hostapi.HOST_NAMES["CudaSupportError"] is saved[1]


def test_numba_type_comes_from_the_front():
    d = cuda.to_device(np.zeros((2, 3)))
    saved = devicearray.ARRAY_TYPE
    try:
        devicearray.ARRAY_TYPE = None
        assert not hasattr(d, "_numba_type_")
        hostapi.configure(array_type=lambda *desc: desc)
        assert d._numba_type_ == (np.dtype(np.float64), 2, "C")
        assert d[:, 0]._numba_type_[2] == "A"
        assert d.T._numba_type_[2] == "C"
    finally:
        devicearray.ARRAY_TYPE = saved


def test_host_calls_from_many_threads():
    errors = []

    def work(i):
        try:
            for _ in range(50):
                d = cuda.to_device(np.full(8, i))
                cuda.stream().synchronize()
                assert (d.copy_to_host() == i).all()
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# numba-cuda's simulator, where installed, answers the same


def _numba_cuda_simulator():
    if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
        pytest.skip("numba-cuda's simulator is not on")
    pytest.importorskip("numba")
    from numba import cuda as upstream

    return upstream


def test_same_answers_as_numba_cuda_simulator():
    upstream = _numba_cuda_simulator()
    host = np.arange(24.0).reshape(4, 6)
    for ours, theirs in (
        (cuda.to_device(host), upstream.to_device(host)),
        (cuda.to_device(host)[1:, ::2], upstream.to_device(host)[1:, ::2]),
    ):
        np.testing.assert_array_equal(
            ours.copy_to_host(), theirs.copy_to_host()
        )
        assert ours.shape == theirs.shape and ours.strides == theirs.strides
    like = np.zeros((2, 3, 4)).transpose(1, 2, 0)
    assert cuda.device_array_like(like).strides == (
        upstream.device_array_like(like).strides
    )
    ours_dev, theirs_dev = (
        cuda.get_current_device(),
        upstream.get_current_device(),
    )
    for name in ("id", "name", "compute_capability", "uuid", "WARP_SIZE"):
        assert getattr(ours_dev, name) == getattr(theirs_dev, name)
    for name in (
        "is_available",
        "is_supported_version",
        "is_float16_supported",
        "is_bfloat16_supported",
    ):
        # numba's built-in target has no is_bfloat16_supported.
        if hasattr(upstream, name):
            assert getattr(cuda, name)() == getattr(upstream, name)()
    printed = []
    for detect in (cuda.detect, upstream.detect):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert detect() is True
        printed.append(out.getvalue())
    assert printed[0] == printed[1]
