"""Which BLAS this process loaded (from /proc/self/maps) and, for OpenBLAS, its kernel and thread count."""
import ctypes


def blas_info():
    try:
        with open('/proc/self/maps') as maps:
            libs = sorted({line.split()[-1] for line in maps if 'blas' in line.rsplit('/', 1)[-1] and '/' in line})
    except OSError:
        libs = []
    info = {'libraries': libs, 'kind': 'unknown'}
    openblas = [p for p in libs if 'openblas' in p.rsplit('/', 1)[-1]]
    if openblas:
        info['kind'] = 'openblas'
        try:
            lib = ctypes.CDLL(openblas[0])
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            info['corename'] = lib.openblas_get_corename().decode()
            info['config'] = lib.openblas_get_config().decode()
            info['threads'] = lib.openblas_get_num_threads()
        except (OSError, AttributeError):
            pass
    elif any(p.endswith(('/blas/libblas.so.3', '.so.3.11.0')) or '/blas/' in p for p in libs):
        info['kind'] = 'reference'
    return info
