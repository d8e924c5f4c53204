"""What a person does by hand in the back ends' web UIs, and the files carried between them.

Scenario `backend:` steps and the lab's control API call these actions by the seed's names
("Download All For Cisco", "Upload Usage Data", "Import From Cisco", ...). Files live in the
operator's workspace (a laptop, in real life) unless an action names a switch
(`from_switch` / `to_switch`), in which case they are read from or written to its bootflash.
Every action returns a short text: what the UI would show, or the file's content.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cslu_mock.models import ImportSummary, SyncSummary
from sim.protocol.files import MAX_FILE_BYTES, is_bundle
from sim.protocol.messages import Sudi

if TYPE_CHECKING:
    from sim.simulation import Simulation

Params = Mapping[str, object]


class ActionError(ValueError):
    """The action cannot be done as asked; the message says why, as the UI would."""


def _text(params: Params, key: str, default: str | None = None) -> str:
    value = params.get(key, default)
    if value is None:
        raise ActionError(f"missing parameter {key!r}")
    return str(value)


def _optional(params: Params, key: str) -> str | None:
    value = params.get(key)
    return None if value is None else str(value)


def _sudi(params: Params) -> Sudi:
    return Sudi(udi_pid=_text(params, "pid"), udi_serial_number=_text(params, "serial"))


@dataclass
class Operator:
    simulation: Simulation
    files: dict[str, bytes] = field(default_factory=dict)
    last_upload: str | None = None

    def actions(self) -> dict[tuple[str, str], Callable[[Params], str | None]]:
        return {
            ("cssm", "register"): self.cssm_register,
            ("cssm", "upload-usage-data"): self.cssm_upload_usage_data,
            ("cssm", "download-ack"): self.cssm_download_ack,
            ("cssm", "download-policy"): self.cssm_download_policy,
            ("cssm", "usage-data-files"): self.cssm_usage_data_files,
            ("cssm", "product-instances"): self.cssm_product_instances,
            ("cslu", "sync"): self.relay_sync("cslu"),
            ("cslu", "download-all-for-cisco"): self.cslu_download_all_for_cisco,
            ("cslu", "upload-from-cisco"): self.cslu_upload_from_cisco,
            ("onprem", "synchronize"): self.relay_sync("onprem"),
            ("onprem", "export-usage-to-cisco"): self.onprem_export_usage_to_cisco,
            ("onprem", "import-from-cisco"): self.onprem_import_from_cisco,
            ("onprem", "add-local-account"): self.onprem_add_local_account,
            ("onprem", "register"): self.onprem_register,
            ("onprem", "move-product-instance"): self.onprem_move_product_instance,
            ("onprem", "download-system-logs"): self.onprem_download_system_logs,
        }

    def run(self, target: str, action: str, params: Params) -> str | None:
        handler = self.actions().get((target, action))
        if handler is None:
            known = ", ".join(sorted(a for t, a in self.actions() if t == target)) or "none"
            raise ActionError(f"unknown action {action!r} for {target}; expected one of {known}")
        return handler(params)

    # ---------------------------------------------------------------- files

    def _read(self, params: Params) -> bytes:
        name = _text(params, "file")
        switch = _optional(params, "from_switch")
        if switch is not None:
            try:
                return self.simulation.switch(switch).read_bootflash(name).encode()
            except FileNotFoundError:
                raise ActionError(f"{switch}: bootflash:{name} does not exist") from None
        if name not in self.files:
            raise ActionError(f"no file {name!r} in the workspace (have: {self._listing()})")
        return self.files[name]

    def _write(self, params: Params, data: bytes) -> str:
        name = _text(params, "file")
        switch = _optional(params, "to_switch")
        if switch is None:
            self.files[name] = data
            return f"saved {name} ({len(data)} bytes)"
        if is_bundle(data):
            raise ActionError("a multi-device bundle cannot be imported on a switch")
        if len(data) > MAX_FILE_BYTES:
            raise ActionError(f"{name} is larger than {MAX_FILE_BYTES >> 20} MiB")
        try:
            text = data.decode()
        except UnicodeDecodeError:
            raise ActionError(
                f"{name} is not a text file: bootflash takes usage, ACK and policy files"
            ) from None
        self.simulation.switch(switch).write_bootflash(name, text)
        return f"copied {name} to {switch} bootflash: ({len(data)} bytes)"

    def _listing(self) -> str:
        return ", ".join(sorted(self.files)) or "nothing"

    # ---------------------------------------------------------------- CSSM

    def cssm_register(self, params: Params) -> None:
        self.simulation.cssm.add_product_instance(
            _sudi(params),
            _text(params, "virtual_account", "Default"),
            smart_account=_optional(params, "smart_account"),
        )

    def cssm_upload_usage_data(self, params: Params) -> str:
        """Reports > Usage Data Files > Upload Usage Data."""
        upload_id = self.simulation.cssm.upload_usage_file(
            _text(params, "file"),
            self._read(params),
            _text(params, "virtual_account", "Default"),
            smart_account=_optional(params, "smart_account"),
        )
        self.last_upload = upload_id
        return upload_id

    def cssm_download_ack(self, params: Params) -> str:
        """Usage Data Files > Acknowledgement > Download."""
        upload_id = _optional(params, "upload") or self.last_upload
        if upload_id is None:
            raise ActionError("nothing was uploaded to CSSM yet")
        data = self.simulation.cssm.ack_file_for(upload_id)
        if data is None:
            status = self.simulation.cssm.usage_upload(upload_id).status
            raise ActionError(f"the acknowledgement is not ready: the upload is {status}")
        return self._write(params, data)

    def cssm_usage_data_files(self, _: Params) -> str:
        """Reports > Usage Data Files: one row per upload, then what each device carried."""
        rows = [
            "Usage Data File\tReported\tVirtual Account\tReporting Status\tDevices\tAcknowledgement"
        ]
        for upload in self.simulation.cssm.usage_uploads():
            status = "No Errors" if upload.status == "Completed" else upload.status
            ack = "Download" if upload.status != "Processing" else "-"
            rows.append(
                f"{upload.name}\t{upload.uploaded:%Y-%b-%d}\t{upload.virtual_account}\t"
                f"{status}\t{len(upload.devices)}\t{ack}"
            )
            for device in upload.devices:
                new = len(device.report_ids) - device.duplicates
                detail = device.error or (
                    f"{new} new report(s), {device.duplicates} already received"
                )
                rows.append(f"  {device.udi.display}: {detail}")
        return "\n".join(rows)

    def cssm_product_instances(self, _: Params) -> str:
        """Inventory > Product Instances: one row per UDI, with what its reports said."""
        rows = ["Name\tProduct Type\tVirtual Account\tTrust\tLast Contact\tLicenses"]
        for pi in self.simulation.cssm.product_instances():
            usage = self.simulation.cssm.usage_of(pi.udi)
            licenses = ", ".join(f"{name} ({count})" for name, count in usage.items()) or "-"
            contact = f"{pi.last_contact:%Y-%b-%d %H:%M}" if pi.last_contact else "-"
            rows.append(
                f"{pi.udi.display}\t{pi.udi.udi_pid}\t{pi.virtual_account}\t"
                f"{'Yes' if pi.trusted else 'No'}\t{contact}\t{licenses}"
            )
            if pi.standby is not None:
                rows.append(f"  Standby: {pi.standby.display}")
            for name, count in sorted(pi.converted.items()):
                rows.append(f"  Converted from PAK: {name} ({count})")
        return "\n".join(rows)

    def cssm_download_policy(self, params: Params) -> str:
        text = self.simulation.cssm.policy_file(
            _text(params, "virtual_account", "Default"), _optional(params, "smart_account")
        )
        return self._write(params, text.encode())

    # ---------------------------------------------------------------- CSLU

    def relay_sync(self, name: str) -> Callable[[Params], str]:
        def sync(_: Params) -> str:
            return self.simulation.relay_sync(name)

        return sync

    def cslu_download_all_for_cisco(self, params: Params) -> str:
        return self._write(params, self.simulation.cslu.download_all_for_cisco())

    def cslu_upload_from_cisco(self, params: Params) -> str:
        return describe_import(self.simulation.cslu.upload_from_cisco(self._read(params)))

    # ---------------------------------------------------------------- SSM On-Prem

    def onprem_export_usage_to_cisco(self, params: Params) -> str:
        data = self.simulation.onprem.export_usage_to_cisco(
            _text(params, "virtual_account", "Default"), _optional(params, "local_account")
        )
        return self._write(params, data)

    def onprem_import_from_cisco(self, params: Params) -> str:
        return describe_import(self.simulation.onprem.import_from_cisco(self._read(params)))

    def onprem_add_local_account(self, params: Params) -> None:
        self.simulation.onprem.add_local_account(_text(params, "name"))

    def onprem_register(self, params: Params) -> None:
        self.simulation.onprem.add_product_instance(
            _sudi(params),
            _text(params, "virtual_account", "Default"),
            _optional(params, "local_account"),
        )

    def onprem_move_product_instance(self, params: Params) -> None:
        self.simulation.onprem.move_product_instance(
            _sudi(params),
            _text(params, "local_account"),
            _text(params, "virtual_account", "Default"),
        )

    def onprem_download_system_logs(self, params: Params) -> str:
        """Support Center > System Logs > Download All Logs: AllFiles.zip; returns `messages`."""
        data = self.simulation.onprem.support_logs_zip()
        if params.get("file") is not None:
            self._write(params, data)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.read("messages").decode(errors="replace")


# ---------------------------------------------------------------- what the UI shows


def describe_import(summary: ImportSummary) -> str:
    """Upload From Cisco / Import From Cisco, as one line a person reads (and scenarios check)."""
    parts = [f"Imported {summary.acks_imported} acknowledgement(s) from Cisco"]
    if summary.product_instances:
        parts.append(f"for {', '.join(summary.product_instances)}")
    text = " ".join(parts)
    if summary.policies_received:
        text += f"; {summary.policies_received} policy(ies) received"
    if summary.not_found:
        text += f"; record not found for {', '.join(summary.not_found)}"
    return text


def describe_sync(summary: SyncSummary) -> str:
    """Synchronize with Cisco now, as one line: what went up, what came back, what failed."""
    text = (
        f"Synchronized with Cisco: {len(summary.uploads)} upload(s) "
        f"({summary.reports_uploaded} report(s)); {describe_import(summary.acks)}"
    )
    return text + "".join(f"; {error}" for error in summary.errors)
