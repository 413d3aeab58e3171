"""What tools/train.py and tools/test.py make of a config and the command line."""
import math

import pytest
import torch

from tests.helpers.tool_runs import (FOLDER_CONFIG, ROOT, SMALL_LOADER, data_options,
                                     run_train, tool_error, write_images)
from tests.helpers.models import build_tiny_saim

DROPLETS = f'{ROOT}/configs/mask_rcnn/mask-rcnn_vit-tiny-p8-saim-demo_1xb2-300it_droplets.py'


def train_error(work_dir, data, *options):
    """What ``tools/train.py`` on the folder config says of a user error (run in this
    process: the one line without its ``train.py: error: `` prefix)."""
    line = tool_error('train.py', FOLDER_CONFIG, '--work-dir', work_dir, '--cfg-options',
                      *data_options(data), *options, *SMALL_LOADER)
    return line[len('train.py: error: '):]


def test_a_missing_image_folder_is_named_with_the_option_that_gives_another(tmp_path):
    assert train_error(tmp_path / 'work', tmp_path / 'missing') == (
        f"train_dataloader.dataset: there is no folder '{tmp_path}/missing'; give a folder of "
        'images with --cfg-options train_dataloader.dataset.data_root=DIR')
    assert not (tmp_path / 'work').exists()


def test_a_user_config_that_needs_an_unset_environment_variable(tmp_path, monkeypatch):
    """mmengine's ``{{$VAR:}}`` in a config of the user's own: the variable named, on one
    line."""
    from mmsaim.runner import ConfigError, read_config
    monkeypatch.delenv('MMSAIM_TEST_UNSET', raising=False)
    config = tmp_path / 'mine.py'
    config.write_text(f'_base_ = [{FOLDER_CONFIG!r}]\n'
                      "work_dir = '{{$MMSAIM_TEST_UNSET:}}'\n")
    with pytest.raises(ConfigError) as error:
        read_config(str(config))
    message = str(error.value)
    assert message.startswith(f'{config}: `MMSAIM_TEST_UNSET` cannot be found in `os.environ`')
    assert '\n' not in message


def test_an_option_of_the_wrong_kind_is_refused_and_none_turns_a_section_off():
    """``model.backbone.init_cfg=None`` (a transfer config from random weights) is taken;
    a plain value where the config has a section is refused, naming the kind to give."""
    from mmengine.config import Config

    from mmsaim.runner import ConfigError, check_cfg_options
    cfg = Config(dict(model=dict(backbone=dict(init_cfg=dict(type='Pretrained',
                                                             checkpoint='x.pth')))))
    check_cfg_options(cfg, {'model.backbone.init_cfg': None}, 'mine.py')
    with pytest.raises(ConfigError, match=r'init_cfg=x\.pth: the config has .* give a section'):
        check_cfg_options(cfg, {'model.backbone.init_cfg': 'x.pth'}, 'mine.py')


def test_setting_a_config_variable_is_refused_with_the_fix(tmp_path):
    message = train_error(tmp_path / 'work', tmp_path, 'img_size=128')
    assert message.startswith('--cfg-options img_size=128: `img_size` is a variable of')
    assert 'model.backbone.img_size' in message and 'custom_hooks.1.img_size' in message


@pytest.mark.slow
def test_max_epochs_from_the_command_line_rescales_the_schedule(tmp_path):
    write_images(tmp_path / 'images', count=8)
    proc = run_train(tmp_path / 'work', tmp_path / 'images', 'train_cfg.max_epochs=3',
                     'default_hooks.logger.interval=1')
    log = proc.stdout + proc.stderr
    assert 'Epoch(train) [3][2/2]' in log
    # One warm-up epoch (2 iterations), then a cosine over the 4 left (not over the 22 of
    # the config's 12 epochs): the last iteration runs at step 3 of 4.
    last_lr = float(log.split('Epoch(train) [3][2/2]')[1].split('lr: ')[1].split()[0])
    base_lr, eta_min = 1.5e-3, 1e-5
    assert last_lr == pytest.approx(
        eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * 3 / 4)) / 2, rel=1e-3)


def test_test_tool_refuses_a_pretraining_checkpoint(tmp_path):
    """mmengine's non-strict load_from scored a pretraining checkpoint mAP 0.000, exit 0."""
    model = build_tiny_saim(embed_dims=192, depth=6, num_heads=3, img_size=64, patch_size=8)
    ckpt = tmp_path / 'saim.pth'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    line = tool_error('test.py', DROPLETS, ckpt, '--work-dir', tmp_path / 'work')
    message = line[len('test.py: error: '):]
    assert message.startswith(f'{ckpt} does not fit the model of {DROPLETS}')
    assert 'holds an encoder only' in message


@pytest.mark.parametrize('optim_wrapper, amp', [(dict(type='OptimWrapper'), True),
                                                (dict(type='AmpOptimWrapper', dtype='float16',
                                                      loss_scale='dynamic'), False)])
def test_mixed_precision_without_a_gpu_is_bf16_autocast_on_the_cpu(monkeypatch, optim_wrapper,
                                                                   amp):
    from mmengine.config import Config

    from mmsaim.runner import prepare_runner_cfg, runner_cfg
    monkeypatch.setattr(runner_cfg, 'get_device', lambda: 'cpu')
    monkeypatch.setattr(runner_cfg, 'cpu_supports_bf16', lambda: True)
    cfg = prepare_runner_cfg(Config(dict(optim_wrapper=dict(
        optim_wrapper, optimizer=dict(type='SGD', lr=0.1)))), amp=amp)
    assert cfg.optim_wrapper == dict(type='CPUAutocastOptimWrapper',
                                     optimizer=dict(type='SGD', lr=0.1))
    monkeypatch.setattr(runner_cfg, 'cpu_supports_bf16', lambda: False)
    with pytest.raises(ValueError, match='needs a GPU or a CPU with bfloat16 units'):
        prepare_runner_cfg(Config(dict(optim_wrapper=optim_wrapper)), amp=amp)
    monkeypatch.setattr(runner_cfg, 'get_device', lambda: 'cuda')
    cfg = prepare_runner_cfg(Config(dict(optim_wrapper=dict(type='OptimWrapper'))), amp=True)
    assert cfg.optim_wrapper == dict(type='AmpOptimWrapper', loss_scale='dynamic')


def test_the_cpu_wrapper_runs_the_forward_pass_in_bfloat16():
    from mmsaim.engine.optimizers import CPUAutocastOptimWrapper
    linear = torch.nn.Linear(4, 4)
    wrapper = CPUAutocastOptimWrapper(optimizer=torch.optim.SGD(linear.parameters(), lr=0.1))
    with wrapper.optim_context(linear):
        out = linear(torch.randn(2, 4))
    assert out.dtype == torch.bfloat16
    wrapper.update_params(out.float().sum())
    assert linear.weight.dtype == torch.float32 and linear.weight.grad is None  # stepped


@pytest.mark.slow
def test_train_tool_amp_on_a_cpu(tmp_path):
    from mmsaim.engine.optimizers import cpu_supports_bf16
    if not cpu_supports_bf16():
        pytest.skip('this CPU has no bfloat16 units')
    write_images(tmp_path / 'images', count=8)
    proc = run_train(tmp_path / 'work', tmp_path / 'images', extra=['--amp'])
    log = proc.stdout + proc.stderr
    assert 'bfloat16 autocast on the CPU' in log and (tmp_path / 'work' / 'epoch_1.pth').is_file()
