# A C callback into Python: libffi builds an executable trampoline at run time.
import ctypes

libc = ctypes.CDLL(None)
compare = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))
values = (ctypes.c_int * 5)(5, 1, 4, 2, 3)
libc.qsort(values, len(values), ctypes.sizeof(ctypes.c_int), compare(lambda a, b: a[0] - b[0]))
print("sorted=" + ",".join(str(v) for v in values))
