"""The stored-ZIP writer, read back with Python's zipfile, including archives that need ZIP64."""
import io
import zipfile
import zlib
from datetime import date

import pytest

from portal.certificates.zipwriter import COUNT_LIMIT, ArchiveSize, Member, stream_zip

DAY = date(2026, 3, 14)


def member(name: str, data: bytes, day: date = DAY) -> Member:
    return Member(name, len(data), zlib.crc32(data), day, (data,))


def announced_size(members) -> int:
    size = ArchiveSize()
    for m in members:
        size.add(m.name, m.size)
    return size.total


def test_members_read_back_with_their_names_dates_and_checksums():
    members = [member("a.pdf", b"%PDF-1.7 first"), member("Ünïcode name.txt", b""),
               member("old.txt", b"before 1980", date(1970, 1, 1)), member("far.txt", b"after 2107", date(2300, 6, 1)),
               member("big.bin", bytes(range(256)) * 1000)]
    data = b"".join(stream_zip(members))
    assert len(data) == announced_size(members)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    assert archive.namelist() == [m.name for m in members]
    for m, info in zip(members, archive.infolist(), strict=True):
        assert archive.read(info) == b"".join(m.chunks)
        assert info.compress_type == zipfile.ZIP_STORED and info.CRC == m.crc32
    assert archive.getinfo("a.pdf").date_time == (2026, 3, 14, 0, 0, 0)
    assert archive.getinfo("old.txt").date_time == (1980, 1, 1, 0, 0, 0)
    assert archive.getinfo("far.txt").date_time == (2107, 12, 31, 0, 0, 0)


def test_an_empty_archive_is_valid():
    assert len(b"".join(stream_zip([]))) == announced_size([]) == 22
    archive = zipfile.ZipFile(io.BytesIO(b"".join(stream_zip([]))))
    assert archive.namelist() == [] and archive.testzip() is None


def test_a_member_whose_bytes_differ_from_its_announced_size_stops_the_archive():
    with pytest.raises(ValueError, match="4 bytes written, 5 announced"):
        b"".join(stream_zip([Member("short.pdf", 5, zlib.crc32(b"four"), DAY, (b"four",))]))


def test_more_members_than_the_classic_end_record_counts_use_zip64():
    count = COUNT_LIMIT + 2
    data = b"".join(stream_zip(member(f"{n}.txt", b"") for n in range(count)))
    assert len(data) == announced_size(member(f"{n}.txt", b"") for n in range(count))
    assert b"PK\x06\x06" in data[-200:]  # the ZIP64 end record
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert len(archive.infolist()) == count and archive.namelist()[-1] == f"{count - 1}.txt"


class TailOnly(io.RawIOBase):
    """A read-only view of a stream of `size` bytes of which only those from `start` were kept:
    enough for zipfile to read the end records, the central directory and the last members."""

    def __init__(self, size: int, start: int, tail: bytes):
        super().__init__()
        self.size, self.start, self.tail, self.position = size, start, tail, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=io.SEEK_SET):
        self.position = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence] + offset
        return self.position

    def tell(self):
        return self.position

    def readinto(self, buffer):
        assert self.position >= self.start, f"read at {self.position}, before the kept tail"
        data = self.tail[self.position - self.start:self.position - self.start + len(buffer)]
        buffer[:len(data)] = data
        self.position += len(data)
        return len(data)


def test_offsets_past_4_gib_use_zip64_and_the_last_member_still_reads_back():
    """The same 1 GiB of zeros four times over (handed on by reference, never held in memory),
    then a small member past 4 GiB, whose offset only a ZIP64 field can hold."""
    block = memoryview(bytes(16 << 20))
    blocks = 65
    crc = 0
    for _ in range(blocks):
        crc = zlib.crc32(block, crc)
    size = len(block) * blocks
    big = [Member(f"zeros-{n}.bin", size, crc, DAY, [block] * blocks) for n in range(4)]
    members = [*big, member("after.txt", b"still here")]

    total, tail_start, tail = 0, len(big) * size, bytearray()
    for chunk in stream_zip(members):
        if total + len(chunk) > tail_start:
            tail += chunk[max(0, tail_start - total):]
        total += len(chunk)
    assert total == announced_size(members)
    archive = zipfile.ZipFile(TailOnly(total, tail_start, bytes(tail)))

    *zeros, last = archive.infolist()
    assert [(info.file_size, info.CRC) for info in zeros] == [(size, crc)] * len(big)
    assert last.header_offset > 0xFFFFFFFF
    assert archive.read("after.txt") == b"still here"
    assert b"PK\x06\x06" in tail[-200:]
