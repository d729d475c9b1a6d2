"""The binding declares every C function the header declares, with the same arity and with ctypes
types that pass and return what the C types do: a prototype that is missing, extra or wrong fails
here, not as a crash or a silently truncated value at run time."""

import ctypes
import re
from pathlib import Path

from oauthcc import _native

HEADER = Path(__file__).resolve().parents[3] / "include" / "oauthcc.h"

# C scalar types and their ctypes; None is C's void.
SCALARS = {"void": None, "bool": ctypes.c_bool, "int32_t": ctypes.c_int32, "int64_t": ctypes.c_int64,
           "size_t": ctypes.c_size_t}
# An owned string comes back through char ** as a raw pointer (to hand to oauthcc_string_free);
# a char * argument is a C string or a buffer.
TEXT = (ctypes.c_char_p, ctypes.c_void_p)
OUT_POINTER = (ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_char_p))


class Header:
    """What include/oauthcc.h declares: functions and callback types (as `declaration`s), the
    opaque handle types, and the typedef names of scalar types."""

    def __init__(self, text):
        code = re.sub(r"/\*.*?\*/|//[^\n]*|^#[^\n]*", "", text, flags=re.DOTALL | re.MULTILINE)
        self.opaque = set(re.findall(r"^typedef struct (\w+) \1;", code, re.MULTILINE))
        self.aliases = dict((name, base) for base, name in re.findall(r"^typedef (\w+) (\w+);", code, re.MULTILINE))
        self.callbacks = {name: declaration(result, parameters) for result, name, parameters
                          in re.findall(r"^typedef ([^(;]+)\(\*(\w+)\)\(([^)]*)\);", code, re.MULTILINE)}
        self.functions = {name: declaration(result, parameters) for result, name, parameters
                          in re.findall(r"^(\w[\w\s*]*?)\b(oauthcc_\w+)\(([^)]*)\);", code, re.MULTILINE)}
        # Any name called like a function: a declaration the pattern above missed shows up here.
        self.mentioned = set(re.findall(r"\b(oauthcc_\w+)\(", code))

    def accepted(self, c_type):
        """The ctypes types that carry the (non-callback) `c_type`."""
        words = [word for word in c_type.replace("*", " ").split() if word not in ("const", "struct")]
        base, stars = self.aliases.get(words[0], words[0]), c_type.count("*")
        if stars == 2:
            return OUT_POINTER
        if stars == 1 and base == "char":
            return TEXT
        if stars == 1 and (base == "void" or base in self.opaque):
            return (ctypes.c_void_p,)
        if stars == 1:
            return (ctypes.POINTER(SCALARS[base]),)
        return (SCALARS[base],)


def declaration(result, parameters):
    """A C declaration as (return type, [parameter types]), each parameter without its name."""
    parameters = " ".join(parameters.split())
    no_parameters = parameters in ("", "void")
    types = [] if no_parameters else [re.sub(r"\w+$", "", parameter).strip() for parameter in parameters.split(",")]
    return " ".join(result.split()), types


def type_problem(header, c_type, ctype):
    """Why `ctype` cannot carry `c_type`, or None when it can."""
    name = getattr(ctype, "__name__", repr(ctype))
    if c_type in header.callbacks:
        # A ctypes function type, whose own prototype must match the typedef.
        if not hasattr(ctype, "_argtypes_"):
            return f"{c_type} is a callback, not {name}"
        return prototype_problem(header, header.callbacks[c_type], (ctype._restype_, list(ctype._argtypes_)))
    if ctype not in header.accepted(c_type):
        return f"{c_type} is not carried by {name}"
    return None


def prototype_problem(header, declared, prototype):
    """Why the ctypes `prototype` (restype, argtypes) does not match the `declared` C one, or None."""
    (c_result, c_parameters), (restype, argtypes) = declared, prototype
    if len(argtypes) != len(c_parameters):
        return f"{len(argtypes)} argtypes for {len(c_parameters)} parameters"
    problems = [type_problem(header, c_result, restype)]
    problems += [type_problem(header, c_type, ctype) for c_type, ctype in zip(c_parameters, argtypes)]
    return "; ".join(problem for problem in problems if problem) or None


def mismatches(header, prototypes):
    """Every difference between the header's functions and `prototypes` (like _native._PROTOTYPES)."""
    found = [f"{name}: declared in the header, missing from _PROTOTYPES"
             for name in sorted(header.functions.keys() - prototypes.keys())]
    found += [f"{name}: in _PROTOTYPES, not in the header" for name in sorted(prototypes.keys() - header.functions.keys())]
    for name in sorted(header.functions.keys() & prototypes.keys()):
        problem = prototype_problem(header, header.functions[name], prototypes[name])
        if problem:
            found.append(f"{name}: {problem}")
    return found


def test_every_declaration_is_parsed():
    header = Header(HEADER.read_text())
    assert header.functions.keys() == header.mentioned
    assert header.functions["oauthcc_cache_slot_bearer"] == (
        "oauthcc_status", ["const struct oauthcc_cache_slot *", "char *", "size_t", "size_t *"])
    assert header.functions["oauthcc_version"] == ("const char *", [])
    assert header.callbacks["oauthcc_log_fn"] == ("void", ["int32_t", "const char *", "void *"])


def test_the_prototypes_match_the_header():
    assert mismatches(Header(HEADER.read_text()), _native._PROTOTYPES) == []


def test_a_missing_extra_or_wrong_prototype_is_reported():
    status, handle, size_out = _native.STATUS, ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t)
    callback_without_text = ctypes.CFUNCTYPE(None, ctypes.c_int32, ctypes.c_int32, ctypes.c_void_p)
    prototypes = dict(_native._PROTOTYPES)
    del prototypes["oauthcc_version"]
    prototypes.update({
        "oauthcc_client_clone": (status, [handle]),
        "oauthcc_client_free": (status, [handle]),
        "oauthcc_token_revoke_all": (status, [handle]),
        "oauthcc_cache_slot_bearer": (status, [handle, ctypes.c_char_p, ctypes.c_int32, size_out]),
        "oauthcc_set_log_callback": (status, [callback_without_text, ctypes.c_int32, handle]),
    })
    assert mismatches(Header(HEADER.read_text()), prototypes) == [
        "oauthcc_version: declared in the header, missing from _PROTOTYPES",
        "oauthcc_client_clone: in _PROTOTYPES, not in the header",
        "oauthcc_cache_slot_bearer: size_t is not carried by c_int",
        "oauthcc_client_free: void is not carried by c_int",
        "oauthcc_set_log_callback: const char * is not carried by c_int",
        "oauthcc_token_revoke_all: 1 argtypes for 2 parameters",
    ]
