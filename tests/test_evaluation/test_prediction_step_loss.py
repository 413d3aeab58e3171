"""PredictionStepLoss: the mean of the step losses over images and steps, and per step; on
SAIM's predictions, the held-out loss of the order."""
import pytest
import torch
from mmpretrain.structures import DataSample

from mmsaim.evaluation import PredictionStepLoss
from tests.helpers.models import build_tiny_saim


def test_mean_and_curve_of_known_losses():
    metric = PredictionStepLoss()
    metric.process(None, [dict(step_losses=torch.tensor([4., 2., 0.])),
                          dict(step_losses=torch.tensor([2., 2., 2.]))])
    metric.process(None, [dict(step_losses=torch.tensor([0., 2., 1.]))])
    result = metric.evaluate(3)
    assert result == {'prediction/loss': pytest.approx(15 / 9),
                      'prediction/step_loss': pytest.approx([2., 2., 1.])}


def test_images_of_one_size():
    metric = PredictionStepLoss()
    metric.process(None, [dict(step_losses=torch.ones(4)), dict(step_losses=torch.ones(16))])
    with pytest.raises(ValueError, match='images of one size'):
        metric.evaluate(2)


def test_on_saim_predictions_it_is_the_loss_of_the_order():
    torch.manual_seed(0)
    model = build_tiny_saim(order='raster').eval()
    images = torch.randn(5, 3, 32, 32)
    metric = PredictionStepLoss()
    for batch in (images[:2], images[2:]):  # in batches, as a test loop gives them
        predictions = model(batch, [DataSample() for _ in batch], mode='predict')
        metric.process(None, [p.to_dict() for p in predictions])
    result = metric.evaluate(5)
    with torch.no_grad():
        expected = model.loss(images, None)['loss']
    assert result['prediction/loss'] == pytest.approx(expected.item(), rel=1e-5)
    assert len(result['prediction/step_loss']) == 16
