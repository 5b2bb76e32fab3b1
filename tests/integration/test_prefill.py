"""申请表智能预填: every field with its source; contact corrections validated and marked."""

import pytest

from repair.errors import NotFound, ValidationError
from repair.services.exchange.prefill import (
    CORRECTED,
    check_contact,
    contact_errors,
    merge_contact,
    prefill_application,
)
from repair.store.models import Enterprise
from tests.conftest import USCC, actor


def add_enterprise(world):
    with world.uow() as uow:
        uow.session.add(Enterprise(uscc=USCC, name="上海示例贸易有限公司", address="上海市浦东新区示例路1号",
                                   legal_representative="张三", phone="021-58881234"))
        uow.commit()


def test_fields_carry_their_sources(world, make_record):
    add_enterprise(world)
    record_id = make_record(decision_no="沪浦发改罚〔2026〕88号")
    with world.uow(read_only=True) as uow:
        fields = prefill_application(uow, record_id, actor("ent"))
    assert fields["applicant_name"] == {"label": "单位名称", "value": "上海示例贸易有限公司",
                                        "source": "市场主体登记信息", "editable": False}
    assert (fields["address"]["value"], fields["address"]["source"]) == ("上海市浦东新区示例路1号", "市场主体登记信息")
    assert (fields["decision_no"]["value"], fields["decision_no"]["source"]) == ("沪浦发改罚〔2026〕88号", "失信信息记录")
    assert fields["authority"]["value"] == "区发展改革委"
    assert fields["tier"]["value"] == "一般"
    assert fields["fulfilment_1"]["source"] == "部门间履罚信息共享（财政）"
    assert fields["fulfilment_1"]["value"] == "2026-03-20 缴纳罚款 ¥5,000.00，凭证号 JK1"
    assert (fields["handler_name"]["value"], fields["handler_phone"]["value"]) == ("张三", "021-58881234")
    assert [k for k, f in fields.items() if f["editable"]] == ["handler_name", "handler_phone", "reason"]


def test_without_registry_data_the_applicant_fills_in(world, make_record):
    record_id = make_record(paid=False)
    with world.uow(read_only=True) as uow:
        fields = prefill_application(uow, record_id, actor("ent"))
    assert fields["applicant_name"]["source"] == "失信信息记录"
    assert fields["address"]["source"].startswith("市场主体登记信息未共享")
    assert not any(key.startswith("fulfilment_") for key in fields)


def test_another_enterprise_gets_not_found(world, make_record):
    record_id = make_record()
    with world.uow(read_only=True) as uow, pytest.raises(NotFound):
        prefill_application(uow, record_id, actor("other_ent"))


def test_contact_corrections_are_validated_and_marked(world, make_record):
    add_enterprise(world)
    record_id = make_record()
    assert set(contact_errors({"handler_name": "", "handler_phone": "12345", "reason": "x" * 501})) == {
        "handler_name", "handler_phone", "reason"}
    assert contact_errors({"handler_name": "李四", "handler_phone": "13912345678", "reason": "已履行"}) == {}
    with pytest.raises(ValidationError) as bad:
        check_contact({"handler_name": "李四", "handler_phone": "0211234", "reason": "已履行"})
    assert bad.value.field == "handler_phone" and "联系电话格式不正确" in str(bad.value)
    with world.uow(read_only=True) as uow:
        fields = prefill_application(uow, record_id, actor("ent"))
    merged = merge_contact(fields, {"handler_name": "张三", "handler_phone": " 13912345678 ",
                                    "reason": fields["reason"]["value"]})
    assert merged["handler_name"]["source"] == "市场主体登记信息"
    assert (merged["handler_phone"]["value"], merged["handler_phone"]["source"]) == ("13912345678", CORRECTED)
    assert merged["reason"]["source"] == fields["reason"]["source"]
