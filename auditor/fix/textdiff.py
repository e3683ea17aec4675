"""placeholder"""
def split_edits(edits):
    script = [e for e in edits if e.location is None or e.location.input_type == "snapshot"]
    return script, [e for e in edits if e not in script]
def render_diff(e): raise NotImplementedError
def write_files(p): raise NotImplementedError
