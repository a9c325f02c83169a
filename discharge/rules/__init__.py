"""Pure rules of discharge coordination: plain values in, plain values out, no Django imports."""
